import { useState } from 'preact/hooks';

/** Cursor pagination state: the cursors of the pages seen so far, so "previous" works too. */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const page = cursors.length - 1;
  return {
    page,
    cursor: cursors[page] ?? null,
    next: (cursor: string | null) => {
      if (cursor) setCursors([...cursors, cursor]);
    },
    prev: () => {
      if (cursors.length > 1) setCursors(cursors.slice(0, -1));
    },
    reset: () => {
      setCursors([null]);
    },
  };
}
