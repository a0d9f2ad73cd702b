const MiB = 1024 * 1024;

/** S3 accepts at most this many parts in one multipart upload. */
export const MAX_PARTS = 10_000;
/** S3's smallest part (all but the last). */
export const MIN_PART_SIZE = 5 * MiB;
/** The part size for a body of unknown length: up to 80 GB, with 4 parts in memory at a time. */
export const DEFAULT_PART_SIZE = 8 * MiB;

/**
 * The part size for a multipart upload: `preferred` unless a body of `size` bytes would then
 * need more than MAX_PARTS parts, in which case the smallest size (rounded up to a MiB) that fits.
 *
 * @example partSizeFor(200 * 1024 ** 3) // 21 MiB: 200 GiB in 9,753 parts
 */
export function partSizeFor(size: number | undefined, preferred = DEFAULT_PART_SIZE): number {
  const base = Math.max(MIN_PART_SIZE, preferred);
  if (size === undefined || size <= base * MAX_PARTS) return base;
  return Math.ceil(size / MAX_PARTS / MiB) * MiB;
}
