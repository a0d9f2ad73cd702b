import type { ByteRange } from '../storage/storage.ts';

/** One "bytes=a-b" / "bytes=a-" / "bytes=-n" range; anything else is served whole (RFC 9110 allows that). */
export function parseRange(
  header: string | undefined,
  size: number,
): (ByteRange & { end: number }) | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (size === 0) return 'unsatisfiable';
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
