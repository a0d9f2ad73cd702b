import type { SeriesPoint, ViewTotals } from './analytics.repository.ts';
import { quantile } from './latency-histogram.ts';

/** Percent with two decimals; 0 when there is nothing to divide by. */
const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0);
const seconds = (ms: number) => Math.round(ms / 10) / 100;

/** The figures of a set of views, as docs/analytics.md defines them (after Mux Data's). */
export function figures(t: ViewTotals) {
  return {
    views: t.views,
    watchTimeSeconds: seconds(t.watchMs),
    playingTimeSeconds: seconds(t.playingMs),
    rebufferCount: t.rebufferCount,
    rebufferSeconds: seconds(t.rebufferMs),
    rebufferPercent: percent(t.rebufferMs, t.watchMs),
    playbackFailurePercent: percent(t.failures, t.views),
    videoStartupFailurePercent: percent(t.startupFailures, t.views),
    exitsBeforeVideoStartPercent: percent(t.exitsBeforeStart, t.views),
  };
}

/** A dashboard's answer: the period's figures, startup percentiles from the histogram, and the series. */
export function analyticsReport(input: {
  from: number;
  to: number;
  bucketMs: number;
  totals: ViewTotals;
  startupHistogram: ReadonlyMap<number, number>;
  series: readonly SeriesPoint[];
}) {
  return {
    from: new Date(input.from).toISOString(),
    to: new Date(input.to).toISOString(),
    ...figures(input.totals),
    startupTimeMs: {
      p50: quantile(input.startupHistogram, 0.5),
      p95: quantile(input.startupHistogram, 0.95),
    },
    bucketSeconds: input.bucketMs / 1000,
    series: denseSeries(input).map((point) => ({ at: new Date(point.at).toISOString(), ...figures(point) })),
  };
}

/** Hours for periods up to two days, days beyond. */
export function bucketFor(from: number, to: number): number {
  return to - from <= 2 * 86_400_000 ? 3_600_000 : 86_400_000;
}

const NO_VIEWS: ViewTotals = {
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

/** Every bucket of the period, in order, those without views as zeros (charts need no gaps). */
function denseSeries(input: { from: number; to: number; bucketMs: number; series: readonly SeriesPoint[] }) {
  const known = new Map(input.series.map((p) => [p.at, p]));
  const points: SeriesPoint[] = [];
  for (let at = input.from - (input.from % input.bucketMs); at < input.to; at += input.bucketMs) {
    points.push(known.get(at) ?? { ...NO_VIEWS, at });
  }
  return points;
}
