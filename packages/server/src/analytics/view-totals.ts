/** Sums over a set of views (per-view rows or hourly rollups): what the dashboards' figures come from. */
export interface ViewTotals {
  views: number;
  watchMs: number;
  playingMs: number;
  rebufferMs: number;
  rebufferCount: number;
  failures: number;
  startupFailures: number;
  exitsBeforeStart: number;
  startedViews: number;
}

export interface SeriesPoint extends ViewTotals {
  at: number;
}

export const NO_VIEWS: ViewTotals = {
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

const n = (value: unknown): number => Number(value ?? 0);

/** Adds two sums (rollups and per-view rows of one period). */
export function addTotals(a: ViewTotals, b: ViewTotals | undefined): ViewTotals {
  if (!b) return a;
  return {
    views: a.views + b.views,
    watchMs: a.watchMs + b.watchMs,
    playingMs: a.playingMs + b.playingMs,
    rebufferMs: a.rebufferMs + b.rebufferMs,
    rebufferCount: a.rebufferCount + b.rebufferCount,
    failures: a.failures + b.failures,
    startupFailures: a.startupFailures + b.startupFailures,
    exitsBeforeStart: a.exitsBeforeStart + b.exitsBeforeStart,
    startedViews: a.startedViews + b.startedViews,
  };
}

export function toTotals(row: Record<string, unknown> | undefined): ViewTotals {
  return {
    views: n(row?.views),
    watchMs: n(row?.watch_ms),
    playingMs: n(row?.playing_ms),
    rebufferMs: n(row?.rebuffer_ms),
    rebufferCount: n(row?.rebuffer_count),
    failures: n(row?.failures),
    startupFailures: n(row?.startup_failures),
    exitsBeforeStart: n(row?.exits_before_start),
    startedViews: n(row?.started_views),
  };
}
