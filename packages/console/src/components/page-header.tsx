import type { ComponentChildren } from 'preact';
import { usePageTitle } from '../lib/page-title.ts';

/** A page's title (the browser tab's too), with its actions on the right (below it on phones). */
export function PageHeader(props: {
  title: string;
  /** The browser tab's name when it is not the title ("API keys" under "Settings"). */
  tabTitle?: string;
  children?: ComponentChildren;
  subtitle?: ComponentChildren;
}) {
  usePageTitle(props.tabTitle ?? props.title);
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
