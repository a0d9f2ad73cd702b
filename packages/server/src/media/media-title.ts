/**
 * A title a client gave, or undefined when it gave none: blank, or the words "undefined" and
 * "null" that clients write for an empty field (Uppy's tus plugin sends `String(undefined)`).
 *
 * @example givenTitle('undefined') // undefined
 */
export function givenTitle(title: string | undefined): string | undefined {
  const trimmed = title?.trim();
  return trimmed && trimmed !== 'undefined' && trimmed !== 'null' ? trimmed : undefined;
}

/** A default title from a file name: its base name without the extension. */
export function titleFromFilename(filename: string | null | undefined): string {
  if (!filename) return '';
  const base = filename.split(/[\\/]/).pop() ?? filename;
  return base.replace(/\.[A-Za-z0-9]{1,5}$/, '').slice(0, 500);
}

/**
 * A default title from an import URL: the last segment of its path, decoded, without extension.
 * Never the host, user info or query, which may carry secrets.
 *
 * @example titleFromUrl('https://bucket.example/talks/My%20Talk.mp4?X-Amz-Signature=abc') // 'My Talk'
 */
export function titleFromUrl(url: string): string {
  let segment: string;
  try {
    segment = new URL(url).pathname.split('/').pop() ?? '';
  } catch {
    return '';
  }
  try {
    segment = decodeURIComponent(segment);
  } catch {
    // Keep the raw segment when it is not valid percent-encoding.
  }
  return titleFromFilename(segment.trim());
}
