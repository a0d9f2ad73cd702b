/** Conditional requests (RFC 9110 section 13) against an ETag Kino computed. */

const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** If-None-Match against the current ETag, with the weak comparison it calls for: true means 304. */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => opaque(tag.trim()) === etag);
}

/**
 * Whether a Range still applies under If-Range: only when the validator is our current strong
 * ETag. A date, a weak tag or another tag means the client's copy is stale, so it gets the whole
 * representation (we send no Last-Modified, so no date can match).
 */
export function rangeStillValid(ifRange: string | undefined, etag: string): boolean {
  return ifRange === undefined || ifRange.trim() === etag;
}
