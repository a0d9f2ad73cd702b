import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { closedBefore, floorHour, HOUR_MS } from './rollup-window.ts';

/** How long per-view rows and hourly rollups are kept (KINO_ANALYTICS_VIEW_RETENTION, KINO_ANALYTICS_ROLLUP_RETENTION). */
export interface AnalyticsRetention {
  viewRetentionMs: number;
  rollupRetentionMs: number;
}

export interface RollupOutcome {
  /** Hours written (hours without views are passed over in one step). */
  hours: number;
  /** Every hour before this one is rolled up. */
  rolledUntil: number;
  viewsRemoved: number;
  rollupRowsRemoved: number;
}

/** Hours one run writes at most; the next run goes on from there. */
export const MAX_HOURS_PER_RUN = 1000;

/** Another run moved the mark while this one was writing: this hour is that run's. */
class MarkMoved extends Error {}

/**
 * Rolls up every closed hour not rolled up yet, oldest first, then applies retention. Each hour
 * is recomputed from the per-view rows and replaces whatever rollup that hour had, in ONE
 * transaction that also moves the mark past it: a run killed at any point leaves each hour
 * either rolled up whole or not at all, and the next run goes on from the mark. Two runs at once
 * cannot both write an hour (the mark is moved first, which locks it until the transaction ends).
 */
export async function rollUpAnalytics(
  deps: {
    repos: Pick<Repositories, 'analytics' | 'analyticsRollups'>;
    transaction: UnitOfWork;
    now: () => number;
    signal?: AbortSignal;
    /** Hours written at most in this run (MAX_HOURS_PER_RUN). */
    maxHours?: number;
  },
  retention: AnalyticsRetention,
): Promise<RollupOutcome> {
  const rollups = deps.repos.analyticsRollups;
  const limit = closedBefore(deps.now());
  let mark: number = (await rollups.rolledUntil()) ?? (await begin(rollups, limit));
  let hours = 0;
  while (mark < limit && hours < (deps.maxHours ?? MAX_HOURS_PER_RUN)) {
    deps.signal?.throwIfAborted();
    const from: number = mark;
    const next = await rollups.firstViewFrom(from);
    // Hours without any view are passed over at once (clearing whatever rollup they had).
    const to = next === null ? limit : Math.min(limit, Math.max(from + HOUR_MS, floorHour(next)));
    const empty = next === null || floorHour(next) > from;
    try {
      await deps.transaction(async (repos) => {
        const r = repos.analyticsRollups;
        if (!(await r.advance(from, empty ? to : from + HOUR_MS))) throw new MarkMoved();
        await r.deleteHours(from, empty ? to : from + HOUR_MS);
        if (!empty) {
          await r.insertMediaHour(from);
          await r.insertTenantHour(from);
        }
      });
    } catch (err) {
      if (!(err instanceof MarkMoved)) throw err;
      mark = (await rollups.rolledUntil()) ?? from;
      continue;
    }
    mark = empty ? to : from + HOUR_MS;
    if (!empty) hours++;
  }
  const now = deps.now();
  // Per-view rows go only once their hour is rolled up, whatever the retention says.
  const viewsRemoved = await deps.repos.analytics.deleteStartedBefore(
    Math.min(floorHour(now - retention.viewRetentionMs), mark),
  );
  const rollupRowsRemoved = await rollups.deleteBefore(floorHour(now - retention.rollupRetentionMs));
  return { hours, rolledUntil: mark, viewsRemoved, rollupRowsRemoved };
}

/** The first run starts at the hour of the oldest view (or at the limit, with no views yet). */
async function begin(rollups: Repositories['analyticsRollups'], limit: number): Promise<number> {
  const first = await rollups.firstViewFrom(Number.MIN_SAFE_INTEGER);
  await rollups.begin(first === null ? limit : Math.min(limit, floorHour(first)));
  return (await rollups.rolledUntil()) ?? limit;
}
