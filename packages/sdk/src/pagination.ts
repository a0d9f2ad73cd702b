/** One page of a cursor-paged list, as Kino's list routes answer (`GET /v1/media`, …). */
export interface CursorPage<T> {
  items: T[];
  /** Pass it as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Every item of a cursor-paged list, page after page, as an async iterator. A page is fetched
 * only when the previous one has been consumed, so breaking out of the loop stops the requests.
 *
 * @example
 * for await (const media of paginate((cursor) => kino.media.list({ status: 'ready', cursor }))) {
 *   console.log(media.id, media.title);
 * }
 */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<CursorPage<T>>,
): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    yield* page.items;
    if (page.nextCursor === null || page.items.length === 0) return;
    cursor = page.nextCursor;
  }
}
