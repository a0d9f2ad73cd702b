import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { ApiKeysService } from '../api-keys/api-keys.service.ts';
import { apiKeysRoutes } from '../api-keys/api-keys.routes.ts';
import { createAuthenticator } from '../auth/authenticator.ts';
import { forgetDeletedTenants, forgetOnRevoke, VerifiedKeyCache } from '../auth/verified-keys.ts';
import type { Config } from '../config/config.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database.ts';
import { createRepositories, unitOfWork, type Repositories } from '../repositories/repositories.ts';
import { healthRoutes } from '../health/health.routes.ts';
import { databaseCheck, ffmpegCheck, type ReadinessCheck } from '../health/readiness.ts';
import { createHttpApp } from '../http/app.ts';
import { AdmissionQueue } from '../lib/admission-queue.ts';
import { createHttpMetrics } from '../http/metrics.ts';
import type { App } from '../http/types.ts';
import type { JobWorkerOptions } from '../jobs/job-worker.ts';
import type { ImportFetchOptions } from '../imports/import-media.handler.ts';
import { jobsRoutes } from '../jobs/jobs.routes.ts';
import { mediaRoutes } from '../media/media.routes.ts';
import { MediaService } from '../media/media.service.ts';
import { tenantsRoutes } from '../tenants/tenants.routes.ts';
import { tenantAdminRoutes } from '../tenants/tenant-admin.routes.ts';
import { installIdempotency } from '../idempotency/idempotency.hooks.ts';
import { rateLimitHook } from '../rate-limits/rate-limit.hook.ts';
import { TenantsService } from '../tenants/tenants.service.ts';
import { createPlaybackService, deliveryRoutes } from '../delivery/delivery-routes.ts';
import { analyticsApi, type AnalyticsApi } from '../analytics/analytics-api.ts';
import { createStorage } from '../storage/create-storage.ts';
import type { Storage } from '../storage/storage.ts';
import { createTusDatastore } from '../uploads/tus-server.ts';
import { uploadsRoutes } from '../uploads/uploads.routes.ts';
import { DatabaseUploadLocker } from '../uploads/database-upload-locker.ts';
import { UploadUrlsService } from '../uploads/upload-urls.service.ts';
import { uploadUrlsRoutes } from '../uploads/upload-urls.routes.ts';
import { webhooksRoutes } from '../webhooks/webhooks.routes.ts';
import { WebhooksService } from '../webhooks/webhooks.service.ts';
import { UploadsService } from '../uploads/uploads.service.ts';
import { createAccounts } from '../users/accounts.ts';
import { ltiTool } from '../lti/lti.ts';
import { ssoRoutes } from '../sso/sso.ts';
import { setupRoutes } from '../setup/setup.routes.ts';
import { SetupService } from '../setup/setup.service.ts';
import { systemHealth } from '../system-health/system-health.ts';
import { consolePlugin } from '../console/console-plugin.ts';
import { captionsApi, createCaptionsService } from '../captions/captions-api.ts';
import { sourceCaptions } from '../captions/source-captions.ts';
import type { AsrEngine } from '../captions/asr/asr-engine.ts';
import { createAsrEngine } from '../captions/asr/asr-engines.ts';
import { asrRoutes } from '../captions/asr/asr.routes.ts';
import { useMediaUser } from '../processing/media-sandbox.ts';
import { keepDeletedObjectsFor } from '../media/stored-objects.ts';
import { SecretBox } from '../zoom/secret-box.ts';
import { zoomRoutes } from '../zoom/zoom.routes.ts';
import { ZoomService } from '../zoom/zoom.service.ts';
import { createJobRuntime, type JobRuntime } from './job-runtime.ts';
import { liveApi, type LiveApi } from '../live/live-api.ts';
import { RecordingsService } from '../recordings/recordings.service.ts';
import { recordingsRoutes } from '../recordings/recordings.routes.ts';
import { CaptureAgentsService } from '../capture-agents/capture-agents.service.ts';
import { captureAgentsRoutes } from '../capture-agents/capture-agents.routes.ts';
import { RecoveryRepository } from '../standby/recovery.repository.ts';
import { readOnlyWhileStandby } from '../standby/read-only.hook.ts';
import { StandbyMode } from '../standby/standby-mode.ts';

export interface Kino {
  app: App;
  database: DatabaseHandle;
  /** Every repository over the database (tests and the CLI's serve read through them too). */
  repos: Repositories;
  storage: Storage;
  jobs: JobRuntime;
  /** Live streaming: its ingest (live role) opens its RTMP and SRT ports with `live.listen` (serve does). */
  live: LiveApi;
  /** Starts background work (worker role); the HTTP side is ready once createKino returns. */
  start(): void;
  /** On a PostgreSQL standby: reads and playback only, background work waits for promotion. */
  standby: StandbyMode;
  close(opts?: { graceMs?: number }): Promise<void>;
}

export interface KinoOptions {
  operatorKey: string;
  logger?: FastifyBaseLogger;
  workerOptions?: Partial<JobWorkerOptions>;
  /** How URL imports reach their sources (tests send made-up public names to a local server). */
  importFetch?: ImportFetchOptions;
  /** The speech recogniser for automatic captions; by default the one KINO_ASR names. */
  asrEngine?: AsrEngine;
  /** The wall clock that ages originals for cold storage; tests move it. */
  clock?: () => number;
}

/**
 * Wires one Kino process from its configuration: database (migrated), services, routes for the
 * API role, and the job worker for the worker role.
 *
 * @example const kino = await createKino(loadConfig(process.env), { operatorKey });
 *          kino.start(); await kino.app.listen({ port: 8080 });
 */
export async function createKino(config: Config, opts: KinoOptions): Promise<Kino> {
  useMediaUser(config.mediaUser);
  keepDeletedObjectsFor(config.backup?.everyMs ?? 0);
  const database = openDatabase(config.database);
  const logger = opts.logger ?? pino({ level: 'silent' });
  try {
    const recovery = new RecoveryRepository(database.db, database.dialect);
    // A standby's schema comes from its primary (it could not be changed here anyway).
    const standby = new StandbyMode(recovery, await recovery.inRecovery(), {
      onError: (err) => {
        logger.warn({ err }, 'standby: checking for promotion failed');
      },
      onPromoted: () => {
        logger.info('standby: the database was promoted; this Kino now takes writes');
      },
    });
    if (!standby.active) await migrateToLatest(database.db);
    else {
      standby.whenPrimary(async () => {
        await migrateToLatest(database.db);
      });
    }
    const repos = createRepositories(database.db, database.dialect);
    const transaction = unitOfWork(database);
    const storage = createStorage(config.storage, config.cold);
    const metrics = createHttpMetrics();
    const tusDatastore = createTusDatastore(config.storage);
    const asrEngine = opts.asrEngine ?? createAsrEngine(config.asr);
    const jobs = createJobRuntime({
      repos,
      transaction,
      storage,
      workRoot: path.join(config.dataDir, 'work'),
      registry: metrics.registry,
      logger,
      runWorker: config.roles.has('worker'),
      workerOptions: { roles: [...config.roles], ...config.jobLease, ...opts.workerOptions },
      importAllowPrivate: config.importAllowPrivate,
      importFetch: opts.importFetch,
      tusDatastore,
      backup: config.backup && {
        live: { config, db: database.db, storage },
        settings: config.backup,
        passphrase: config.backupPassphrase,
      },
      recordingAbandonAfterMs: config.recordingAbandonAfterMs,
      coldAfterDays: config.cold.afterDays,
      clock: opts.clock,
      analyticsRetention: config.analytics,
      captions: (queue) => sourceCaptions(createCaptionsService({ repos, transaction, storage, queue })),
      asrEngine,
    });

    const databaseReady = databaseCheck(database.db);
    const checks: ReadinessCheck[] = [databaseReady, { name: 'storage', run: () => storage.check() }];
    if (config.roles.has('worker')) checks.push(ffmpegCheck());

    const accounts = createAccounts({ repos, transaction }, { publicUrl: config.publicUrl });
    // Keys verified in the last seconds skip the database; a revocation or tenant deletion here drops them at once.
    const verifiedKeys = new VerifiedKeyCache();
    const app = await createHttpApp({
      logger: opts.logger,
      metrics,
      // A slot is held while an upload request starts (at most a second), not while bytes stream.
      uploadAdmission: new AdmissionQueue({ slots: config.uploadSlots, maxHoldMs: 1000 }),
      authenticate: createAuthenticator({
        operatorKey: opts.operatorKey,
        apiKeys: repos.apiKeys,
        verifiedKeys,
        sessions: accounts.sessions,
        publicUrl: config.publicUrl,
      }),
      trustProxy: config.trustProxy,
    });
    // Before any route: writes refused on a standby, per-key rate limits (after authentication)
    // and Idempotency-Key on POSTs.
    app.addHook('onRequest', readOnlyWhileStandby(standby));
    app.addHook('onRequest', rateLimitHook(config.rateLimitPerMinute));
    installIdempotency(app, repos.idempotency);
    await app.register(healthRoutes({ checks, metrics, metricsToken: config.metricsToken }));
    const live = liveApi({
      repos,
      transaction,
      queue: jobs.queue,
      storage,
      registry: metrics.registry,
      logger,
      dataDir: config.dataDir,
      publicUrl: config.publicUrl,
      ingest: config.roles.has('live'),
      rtmpPort: config.live.rtmpPort,
      srtPort: config.live.srtPort,
      publicHost: config.live.publicHost,
    });
    let analytics: AnalyticsApi | null = null;
    if (config.roles.has('api')) {
      const playback = createPlaybackService(repos, storage);
      await app.register(live.routes(playback));
      analytics = analyticsApi({ repos, grants: playback, registry: metrics.registry, storage });
      analytics.start();
      await app.register(tenantsRoutes(new TenantsService(repos, transaction)));
      await app.register(
        tenantAdminRoutes({
          transaction: forgetDeletedTenants(transaction, verifiedKeys),
          queue: jobs.queue,
          quotas: repos.quotas,
        }),
      );
      await app.register(
        apiKeysRoutes(new ApiKeysService({ ...repos, apiKeys: forgetOnRevoke(repos.apiKeys, verifiedKeys) })),
      );
      await app.register(
        mediaRoutes(new MediaService(repos, transaction, jobs.queue), {
          publicUrl: config.publicUrl,
          storage,
        }),
      );
      await app.register(
        deliveryRoutes({
          repos,
          storage,
          publicUrl: config.publicUrl,
          playRedirect: config.playRedirect,
          playback,
          observer: analytics.observer,
          live: live.playback,
        }),
      );
      await app.register(analytics.routes);
      await app.register(jobsRoutes({ queue: jobs.queue, jobs: repos.jobs }));
      await app.register(
        captionsApi({ repos, transaction, storage, queue: jobs.queue, publicUrl: config.publicUrl }),
      );
      await app.register(
        asrRoutes({
          queue: jobs.queue,
          media: repos.media,
          settings: repos.captionSettings,
          engine: asrEngine,
        }),
      );
      await app.register(accounts.routes);
      await app.register(
        ltiTool({ repos, publicUrl: config.publicUrl, allowPrivate: config.importAllowPrivate }),
      );
      await app.register(
        ssoRoutes({
          repos,
          sessions: accounts.sessions,
          publicUrl: config.publicUrl,
          allowPrivate: config.importAllowPrivate,
        }),
      );
      await app.register(
        setupRoutes({
          setup: new SetupService({ repos, transaction }, accounts.sessions),
          tenants: repos.tenants,
          publicUrl: config.publicUrl,
        }),
      );
      await app.register(systemHealth({ repos, database: databaseReady, storage, dataDir: config.dataDir }));
      await app.register(
        webhooksRoutes(
          new WebhooksService({
            repos,
            transaction,
            queue: jobs.queue,
            allowPrivate: config.importAllowPrivate,
          }),
        ),
      );
      const uploads = new UploadsService({ repos, transaction, queue: jobs.queue });
      const uploadUrls = new UploadUrlsService({ repos, transaction });
      const recordings = new RecordingsService({ repos, transaction, queue: jobs.queue });
      await app.register(recordingsRoutes({ recordings, publicUrl: config.publicUrl }));
      await app.register(captureAgentsRoutes(new CaptureAgentsService({ repos })));
      await app.register(uploadUrlsRoutes({ uploadUrls, publicUrl: config.publicUrl }));
      await app.register(
        uploadsRoutes({
          uploads,
          datastore: tusDatastore,
          uploadUrls,
          recordings,
          // Several API processes may receive PATCHes for one upload: one writes at a time.
          locker: new DatabaseUploadLocker(repos.uploadLocks, {}, (err, uploadId) => {
            logger.warn({ err, uploadId }, 'upload lock bookkeeping failed');
          }),
          publicUrl: config.publicUrl,
          logger,
        }),
      );
      await app.register(consolePlugin({ repos }));
      await app.register(
        zoomRoutes({
          zoom: new ZoomService({
            repos,
            transaction,
            queue: jobs.queue,
            // Zoom secrets are sealed under a key derived from the operator key.
            secrets: new SecretBox(opts.operatorKey, 'zoom-secrets'),
            endpoints: config.zoom,
          }),
          publicUrl: config.publicUrl,
        }),
      );
    }
    await app.ready();

    return {
      app,
      database,
      repos,
      storage,
      jobs,
      live,
      standby,
      start: () => {
        standby.whenPrimary(() => {
          jobs.start();
          live.start();
        });
      },
      close: async ({ graceMs } = {}) => {
        // Stop taking work first (publishers too: their broadcasts wait in the reconnect window),
        // then requests, then the database all of them use.
        standby.stop();
        await live.stop();
        await jobs.stop(graceMs);
        await app.close();
        await analytics?.stop().catch(() => undefined);
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}
