import { create } from 'content-disposition';

/** A file name from a media's title: no path separators or control characters, not too long. */
export function downloadFileName(title: string, extension = 'mp4'): string {
  const base = title
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}/\\:*?"<>|]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 150)
    .trim();
  return `${base || 'video'}.${extension}`;
}

/**
 * The Content-Disposition of a download (RFC 6266): `filename` in plain ASCII for old clients
 * (accents dropped, other letters replaced), and `filename*` in UTF-8 (RFC 8187, formerly 5987)
 * when the name is not ASCII, which every current browser prefers.
 *
 * @example downloadDisposition('Ärger im Büro') // attachment; filename="Arger im Buro.mp4"; filename*=UTF-8''%C3%84rger%20im%20B%C3%BCro.mp4
 */
export function downloadDisposition(title: string): string {
  const name = downloadFileName(title);
  const ascii = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\x20-\x7e]/g, '_');
  return create(name, { fallback: ascii });
}
