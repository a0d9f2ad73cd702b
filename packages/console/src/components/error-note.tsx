import type { ApiError } from '../api/client.ts';

/** An API error as people read it: the problem's detail, announced to screen readers. */
export function ErrorNote(props: { error: ApiError | null; prefix?: string }) {
  if (!props.error) return null;
  return (
    <p class="note note-error" role="alert">
      {props.prefix ? `${props.prefix}: ` : ''}
      {props.error.message}
    </p>
  );
}
