import { describe, expect, it } from 'vitest';
import { bucketBounds, bucketOf, BUCKET_COUNT, quantile } from './latency-histogram.ts';

describe('latency histogram', () => {
  it('puts a time in the bucket whose bounds hold it', () => {
    for (const ms of [0, 5, 10, 11, 99, 250, 1234, 9999, 60_000]) {
      const { low, high } = bucketBounds(bucketOf(ms));
      expect(ms).toBeGreaterThanOrEqual(Math.floor(low));
      expect(ms).toBeLessThanOrEqual(Math.ceil(high));
    }
  });

  it('keeps absurd times in the last bucket', () => {
    expect(bucketOf(1e12)).toBe(BUCKET_COUNT - 1);
    expect(bucketOf(Number.NaN)).toBe(0);
  });

  it('reads percentiles within a bucket of the exact ones, and merges by adding counts', () => {
    const times = Array.from({ length: 1000 }, (_, i) => 100 + i * 3);
    const counts = new Map<number, number>();
    for (const t of times.slice(0, 500)) counts.set(bucketOf(t), (counts.get(bucketOf(t)) ?? 0) + 1);
    for (const t of times.slice(500)) counts.set(bucketOf(t), (counts.get(bucketOf(t)) ?? 0) + 1);
    const p50 = quantile(counts, 0.5) ?? 0;
    const p95 = quantile(counts, 0.95) ?? 0;
    expect(Math.abs(p50 - 1600) / 1600).toBeLessThan(0.13);
    expect(Math.abs(p95 - 2950) / 2950).toBeLessThan(0.13);
  });

  it('has no percentile without counts', () => {
    expect(quantile(new Map(), 0.5)).toBeNull();
  });
});
