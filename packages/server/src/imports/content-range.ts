export interface ContentRange {
  start: number;
  end: number;
  /** The size of the whole file, or undefined for `*`. */
  total: number | undefined;
}

const BYTES = /^bytes (\d+)-(\d+)\/(\d+|\*)$/i;

/**
 * Parses a 206 response's `Content-Range: bytes START-END/TOTAL`; undefined unless well formed
 * (start <= end < total).
 *
 * @example parseContentRange('bytes 100-199/1000') // { start: 100, end: 199, total: 1000 }
 */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  const match = value === undefined ? null : BYTES.exec(value.trim());
  if (!match) return undefined;
  const [, startText = '', endText = '', totalText = ''] = match;
  const start = Number(startText);
  const end = Number(endText);
  const total = totalText === '*' ? undefined : Number(totalText);
  if (![start, end, total ?? 0].every(Number.isSafeInteger) || end < start) return undefined;
  if (total !== undefined && end >= total) return undefined;
  return { start, end, total };
}

/**
 * The validator to send as If-Range so that a changed file is sent whole instead of spliced:
 * a strong ETag, else Last-Modified; undefined when there is neither (weak ETags cannot be used).
 */
export function ifRangeValidator(headers: {
  etag?: string | undefined;
  'last-modified'?: string | undefined;
}): string | undefined {
  const etag = headers.etag?.trim();
  if (etag && !etag.startsWith('W/')) return etag;
  return headers['last-modified']?.trim() || undefined;
}
