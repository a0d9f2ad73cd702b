import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { PlaybackService } from '../delivery/playback.service.ts';
import type { App } from '../http/types.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { Storage } from '../storage/storage.ts';
import { LiveIngest } from './live-ingest.ts';
import { createLiveMetrics } from './live-metrics.ts';
import { LivePlayback } from './live-play.ts';
import { liveStreamsRoutes } from './live-streams.routes.ts';
import { LiveStreamsService } from './live-streams.service.ts';

export interface LiveApiDeps {
  repos: Repositories;
  transaction: UnitOfWork;
  queue: JobQueue<KinoJobCatalog>;
  storage: Storage;
  registry: Registry;
  logger: FastifyBaseLogger;
  dataDir: string;
  publicUrl?: string | undefined;
  /** The live role runs in this process: it takes publishers and owns the broadcast timers. */
  ingest: boolean;
  rtmpPort: number;
  /** The SRT (UDP) port; 0: no SRT ingest. */
  srtPort: number;
  publicHost?: string | undefined;
}

/**
 * Live streaming for one process: the API routes, /play for broadcasts, and (live role) the
 * ingest. The RTMP and SRT listeners open with `listen` (serve does; in-process tests pick a port).
 *
 * @example const live = liveApi(deps); await app.register(live.routes(playback)); live.start(); await live.listen('0.0.0.0');
 */
export function liveApi(deps: LiveApiDeps) {
  const ingest = deps.ingest
    ? new LiveIngest({
        transaction: deps.transaction,
        queue: deps.queue,
        storage: deps.storage,
        workRoot: path.join(deps.dataDir, 'work', 'live'),
        logger: deps.logger,
        metrics: createLiveMetrics(deps.registry),
      })
    : undefined;
  const service = new LiveStreamsService({
    repos: deps.repos,
    transaction: deps.transaction,
    queue: deps.queue,
    kick: ingest ? (id) => ingest.kick(id) : undefined,
  });
  let rtmpPort: number | null = null;
  let srtPort: number | null = null;
  return {
    ingest,
    playback: new LivePlayback({ repos: deps.repos, storage: deps.storage }),
    /** The API role's routes; tokens are signed by the process's playback service. */
    routes: (playback: PlaybackService) => async (app: App) => {
      await app.register(
        liveStreamsRoutes({
          service,
          playback,
          publicUrl: deps.publicUrl,
          rtmpPort: () => rtmpPort ?? (deps.rtmpPort > 0 ? deps.rtmpPort : null),
          srtPort: () => srtPort ?? (deps.srtPort > 0 ? deps.srtPort : null),
          publicHost: deps.publicHost,
        }),
      );
    },
    start: () => ingest?.start(),
    /**
     * Opens the RTMP and SRT listeners on their configured ports (0 there: that one stays closed);
     * `port` and `srt` override them, 0 picking a free one.
     */
    listen: async (host: string, port?: number, srt?: number) => {
      if (!ingest) return;
      const rtmpChosen = port ?? deps.rtmpPort;
      if (port !== undefined || rtmpChosen !== 0) {
        await ingest.listenRtmp(rtmpChosen, host);
        rtmpPort = ingest.rtmpPort;
      }
      const srtChosen = srt ?? deps.srtPort;
      if (srt !== undefined || srtChosen !== 0) {
        await ingest.listenSrt(srtChosen, host);
        srtPort = ingest.srtPort;
      }
    },
    stop: async () => ingest?.stop(),
  };
}

export type LiveApi = ReturnType<typeof liveApi>;
