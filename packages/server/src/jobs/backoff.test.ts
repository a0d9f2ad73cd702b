import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.ts';

describe('retryDelayMs', () => {
  const opts = { baseMs: 1000, maxMs: 60_000 };

  it('doubles per attempt around the middle of the jitter', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, opts, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('caps the delay', () => {
    expect(retryDelayMs(30, opts, () => 0.5)).toBe(60_000);
  });

  it('spreads retries between half and one and a half times the delay', () => {
    expect(retryDelayMs(3, opts, () => 0)).toBe(2000);
    expect(retryDelayMs(3, opts, () => 0.999999)).toBe(6000);
    const samples = new Set(Array.from({ length: 50 }, () => retryDelayMs(3, opts)));
    expect(samples.size).toBeGreaterThan(10);
  });
});
