/**
 * A mergeable histogram of times in milliseconds: bucket 0 holds 0..10 ms, then each bucket is 25%
 * wider than the one before, up to about 20 minutes. A view stores its bucket number, so counts
 * per bucket add up across views, hours and processes (SQL GROUP BY), and a percentile read from
 * them is within half a bucket (about 12%) of the exact one.
 */
const FIRST_MS = 10;
const GROWTH = 1.25;
export const BUCKET_COUNT = 55;

/** The bucket of a time. */
export function bucketOf(ms: number): number {
  if (!(ms > FIRST_MS)) return 0;
  const n = Math.floor(Math.log(ms / FIRST_MS) / Math.log(GROWTH)) + 1;
  return Math.min(BUCKET_COUNT - 1, n);
}

/** The lower and upper edge of a bucket, in milliseconds. */
export function bucketBounds(bucket: number): { low: number; high: number } {
  if (bucket <= 0) return { low: 0, high: FIRST_MS };
  return { low: FIRST_MS * GROWTH ** (bucket - 1), high: FIRST_MS * GROWTH ** bucket };
}

/**
 * The `q` quantile (0..1) of counts per bucket, interpolated inside the bucket it falls in;
 * null when there are no counts.
 */
export function quantile(counts: ReadonlyMap<number, number>, q: number): number | null {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const bucket of [...counts.keys()].sort((a, b) => a - b)) {
    const count = counts.get(bucket) ?? 0;
    if (count === 0) continue;
    if (seen + count >= rank) {
      const { low, high } = bucketBounds(bucket);
      const within = count > 0 ? Math.max(0, rank - seen) / count : 0;
      return Math.round(low + (high - low) * within);
    }
    seen += count;
  }
  const last = Math.max(...counts.keys());
  return Math.round(bucketBounds(last).high);
}
