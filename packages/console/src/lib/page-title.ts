import { useEffect } from 'preact/hooks';

/** What a browser tab says for a page: "Library — Kino"; the console's own name alone for none. */
export function pageTitle(title: string | undefined): string {
  const name = title?.trim();
  return name ? `${name} — Kino` : 'Kino';
}

/** Names the browser tab after the page while it is shown. */
export function usePageTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = pageTitle(title);
  }, [title]);
}
