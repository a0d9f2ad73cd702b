import type { ComponentChildren } from 'preact';

/** A page's title, with its actions on the right (below it on phones). */
export function PageHeader(props: {
  title: string;
  children?: ComponentChildren;
  subtitle?: ComponentChildren;
}) {
  return (
    <header class="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle ? <p class="page-subtitle">{props.subtitle}</p> : null}
      </div>
      {props.children ? <div class="page-actions">{props.children}</div> : null}
    </header>
  );
}
