import { describe, expect, it } from 'vitest';
import { analyticsReport, bucketFor, figures } from './analytics-report.ts';
import { bucketOf } from './latency-histogram.ts';

const totals = {
  views: 4,
  watchMs: 40_000,
  playingMs: 36_000,
  rebufferMs: 2000,
  rebufferCount: 3,
  failures: 1,
  startupFailures: 1,
  exitsBeforeStart: 1,
  startedViews: 2,
};

describe('analytics figures', () => {
  it('divides as the definitions say', () => {
    expect(figures(totals)).toEqual({
      views: 4,
      watchTimeSeconds: 40,
      playingTimeSeconds: 36,
      rebufferCount: 3,
      rebufferSeconds: 2,
      rebufferPercent: 5,
      playbackFailurePercent: 25,
      videoStartupFailurePercent: 25,
      exitsBeforeVideoStartPercent: 25,
    });
  });

  it('answers zeros and no percentiles for a period without views', () => {
    const empty = {
      ...totals,
      views: 0,
      watchMs: 0,
      playingMs: 0,
      rebufferMs: 0,
      rebufferCount: 0,
      failures: 0,
      startupFailures: 0,
      exitsBeforeStart: 0,
      startedViews: 0,
    };
    const report = analyticsReport({
      from: 0,
      to: 3_600_000,
      bucketMs: 3_600_000,
      totals: empty,
      startupHistogram: new Map(),
      series: [],
    });
    expect(report.rebufferPercent).toBe(0);
    expect(report.startupTimeMs).toEqual({ p50: null, p95: null });
  });

  it('reads startup percentiles from the histogram', () => {
    const histogram = new Map([[bucketOf(400), 10]]);
    const report = analyticsReport({
      from: 0,
      to: 1,
      bucketMs: 3_600_000,
      totals,
      startupHistogram: histogram,
      series: [{ ...totals, at: 0 }],
    });
    expect(report.startupTimeMs.p50).toBeGreaterThan(300);
    expect(report.startupTimeMs.p50).toBeLessThan(500);
    expect(report.series[0]?.at).toBe('1970-01-01T00:00:00.000Z');
  });

  it('lists every bucket of the period, those without views as zeros', () => {
    const report = analyticsReport({
      from: 1_800_000,
      to: 4 * 3_600_000,
      bucketMs: 3_600_000,
      totals,
      startupHistogram: new Map(),
      series: [{ ...totals, at: 7_200_000 }],
    });
    expect(report.series.map((p) => [p.at.slice(11, 13), p.views])).toEqual([
      ['00', 0],
      ['01', 0],
      ['02', 4],
      ['03', 0],
    ]);
  });

  it('buckets by hour up to two days, by day beyond', () => {
    expect(bucketFor(0, 86_400_000)).toBe(3_600_000);
    expect(bucketFor(0, 30 * 86_400_000)).toBe(86_400_000);
  });
});
