import type { FastifyBaseLogger } from 'fastify';
import type { JobHandler } from '../jobs/job-registry.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { rollUpAnalytics, type AnalyticsRetention } from './analytics-rollup.ts';

/**
 * `analytics.rollup` (recurring): rolls up the closed hours of playback analytics and applies
 * retention (analytics-rollup.ts). Idempotent: a run killed half-way leaves whole hours, and the
 * next run (or a retry) goes on from the last hour written.
 */
export function analyticsRollupHandler(deps: {
  repos: Pick<Repositories, 'analytics' | 'analyticsRollups'>;
  transaction: UnitOfWork;
  now: () => number;
  logger?: FastifyBaseLogger;
}): JobHandler<AnalyticsRetention> {
  return async ({ payload, signal }) => {
    const outcome = await rollUpAnalytics({ ...deps, signal }, payload);
    if (outcome.hours > 0 || outcome.viewsRemoved > 0 || outcome.rollupRowsRemoved > 0) {
      deps.logger?.info(outcome, 'analytics rolled up');
    }
  };
}
