import { Counter, Histogram, type Registry } from 'prom-client';
import type { ViewState } from './view-fold.ts';

/**
 * The fleet's playback figures for Prometheus: startup time and rebuffering as histograms (one
 * sample per view's startup, one per stretch of rebuffering a beacon closed), views and failures
 * as counters. Each process counts the beacons it took; Prometheus adds the processes up.
 */
export function analyticsMetrics(registry: Registry) {
  const startup = new Histogram({
    name: 'kino_playback_startup_seconds',
    help: 'Video startup time of views (play intent to first frame)',
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30],
    registers: [registry],
  });
  const rebuffer = new Histogram({
    name: 'kino_playback_rebuffer_seconds',
    help: 'Rebuffering reported per beacon that closed a stall',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const views = new Counter({
    name: 'kino_playback_views_total',
    help: 'Views with play intent',
    registers: [registry],
  });
  const failures = new Counter({
    name: 'kino_playback_failures_total',
    help: 'Views that ended in a fatal playback error',
    registers: [registry],
  });
  return (before: ViewState | null, after: ViewState): void => {
    if (!before?.playRequested && after.playRequested) views.inc();
    if (before?.startupMs == null && after.startupMs !== null) startup.observe(after.startupMs / 1000);
    const stalled = after.rebufferMs - (before?.rebufferMs ?? 0);
    if (stalled > 0) rebuffer.observe(stalled / 1000);
    if (!before?.error?.fatal && after.error?.fatal) failures.inc();
  };
}
