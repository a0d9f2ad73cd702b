import type { Registry } from 'prom-client';
import type { BeaconGrantReading } from '../delivery/beacon-grant.ts';
import type { PlayObserver } from '../delivery/play-observer.ts';
import type { App } from '../http/types.ts';
import type { Repositories } from '../repositories/repositories.ts';
import type { Storage } from '../storage/storage.ts';
import { analyticsMetrics } from './analytics-metrics.ts';
import { analyticsRoutes } from './analytics.routes.ts';
import { AnalyticsService } from './analytics.service.ts';
import { CmcdJoin } from './cmcd-join.ts';
import { DeliveryMeter } from './delivery-meter.ts';
import { UsageService } from './usage.service.ts';

export interface AnalyticsApi {
  /** Hand to /play: it reports bytes delivered and players' CMCD data here. */
  observer: PlayObserver;
  routes: (app: App) => Promise<void>;
  /** Starts counting delivered bytes into the database (retention is the analytics.rollup job's). */
  start(): void;
  /** Writes what is still counted in memory. */
  stop(): Promise<void>;
}

/**
 * Playback analytics wired from what a Kino process has: the beacon and dashboard routes, the
 * observer /play reports to, and the Prometheus figures.
 *
 * @example const analytics = analyticsApi({ repos, grants: playback, registry });
 *          await app.register(deliveryRoutes({ ..., observer: analytics.observer }));
 *          await app.register(analytics.routes);
 */
export function analyticsApi(deps: {
  repos: Pick<Repositories, 'analytics' | 'usage' | 'media'>;
  grants: { readBeaconGrant(text: string): Promise<BeaconGrantReading> };
  registry: Registry;
  storage: Pick<Storage, 'list'>;
}): AnalyticsApi {
  const cmcd = new CmcdJoin();
  const meter = new DeliveryMeter(deps.repos.usage);
  const analytics = new AnalyticsService({
    repos: deps.repos,
    grants: deps.grants,
    cmcd,
    onView: analyticsMetrics(deps.registry),
  });
  const usage = new UsageService({ repos: deps.repos, storage: deps.storage, flush: () => meter.flush() });
  return {
    observer: {
      delivered: (tenantId, bytes) => {
        meter.delivered(tenantId, bytes);
      },
      cmcd: (_tenantId, mediaId, data) => {
        cmcd.record(mediaId, data);
      },
    },
    routes: analyticsRoutes({ analytics, usage }),
    start: () => {
      meter.start();
    },
    stop: async () => {
      await meter.stop();
    },
  };
}
