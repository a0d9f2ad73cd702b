import { Link } from 'wouter-preact';
import { PageHeader } from '../components/page-header.tsx';

export function NotFoundPage(props: { message?: string }) {
  return (
    <>
      <PageHeader title={props.message ? 'Not available' : 'Page not found'} />
      <p>{props.message ?? 'There is no page at this address.'}</p>
      <p>
        <Link href="/">Back to the start</Link>
      </p>
    </>
  );
}
