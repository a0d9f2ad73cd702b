import { StorageRangeError, type ByteRange } from './storage.ts';

/** Throws RangeError unless the offsets are whole numbers with 0 <= start <= end. */
export function assertRangeShape(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new RangeError(`range start must be a whole number >= 0, got ${String(start)}`);
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new RangeError(`range end must be a whole number >= start, got ${String(end)}`);
  }
}

/** The inclusive offsets to serve from an object of `size` bytes; the end is clamped to the last byte. */
export function resolveRange(key: string, range: ByteRange, size: number): { start: number; end: number } {
  assertRangeShape(range);
  if (range.start >= size) throw new StorageRangeError(key, size);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/** The HTTP Range header value for a range. */
export function rangeHeader(range: ByteRange): string {
  return `bytes=${range.start}-${range.end ?? ''}`;
}
