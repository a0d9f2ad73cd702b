import type { DataStore } from '@tus/utils';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { jobCatalog, PLAYABLE_LANE_PRIORITY, recurringJobs, type KinoJobCatalog } from '../jobs/catalog.ts';
import { createJobMetrics } from '../jobs/job-metrics.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { JobHandlers } from '../jobs/job-registry.ts';
import { JobScheduler } from '../jobs/job-scheduler.ts';
import { DEFAULT_WORKER_OPTIONS, JobWorker, type JobWorkerOptions } from '../jobs/job-worker.ts';
import { pruneJobsHandler } from '../jobs/maintenance.handlers.ts';
import { importMediaHandler, type ImportFetchOptions } from '../imports/import-media.handler.ts';
import { reconcileHandler, removeFilesHandler } from '../media/media-jobs.ts';
import { coldSweepHandler } from '../media/cold-originals.ts';
import { restoreOriginalHandler } from '../media/restore-original.handler.ts';
import { processMediaHandler } from '../processing/process-media.handler.ts';
import { encodeMediaHandler } from '../processing/encode-media.handler.ts';
import { sweepWorkFolders } from '../processing/work-folders.ts';
import type { Storage } from '../storage/storage.ts';
import { uploadRemover } from '../uploads/tus-gone.ts';
import { createExpireUploadsHandler } from '../uploads/uploads-expiry.handler.ts';
import { webhookDeliverHandler } from '../webhooks/webhook-deliver.handler.ts';
import { eventDispatchHandler } from '../webhooks/event-dispatch.handler.ts';
import { eventsSweepHandler } from '../events/events-sweep.handler.ts';
import { liveRecordHandler } from '../live/live-record.handler.ts';
import type { SourceCaptions } from '../processing/source-captions-port.ts';
import { registerBackupMetrics, scheduledBackupHandler } from '../backup/backup-scheduled.handler.ts';
import type { LiveSystem } from '../backup/backup-io.ts';
import type { BackupConfig } from '../config/config.ts';
import { recordingJoinHandler } from '../recordings/recording-join.handler.ts';
import { recordingsSweepHandler } from '../recordings/recordings-sweep.handler.ts';
import { RecordingsService } from '../recordings/recordings.service.ts';
import { createCaptionsService } from '../captions/captions-api.ts';
import { zoomTranscriptHandler } from '../zoom/zoom-transcript.handler.ts';
import type { AsrEngine } from '../captions/asr/asr-engine.ts';
import { generateCaptionsHandler } from '../captions/asr/generate-captions.handler.ts';
import { analyticsRollupHandler } from '../analytics/analytics-rollup.handler.ts';
import type { AnalyticsRetention } from '../analytics/analytics-rollup.ts';

/** How often a worker process looks for work folders left by killed attempts. */
const WORK_FOLDER_SWEEP_MS = 10 * 60_000;
/**
 * A folder written to within this long stays even when its attempt no longer runs: ffmpeg of a
 * worker whose lease lapsed may still be writing into it.
 */
const WORK_FOLDER_QUIET_MS = 10 * 60_000;

export interface JobRuntime {
  queue: JobQueue<KinoJobCatalog>;
  worker: JobWorker<KinoJobCatalog> | undefined;
  start(): void;
  /** Stops scheduling and claiming; running jobs get `graceMs` before they are handed back. */
  stop(graceMs?: number): Promise<void>;
}

/** The queue every process uses, plus, in worker processes, the worker loop and the scheduler. */
export function createJobRuntime(deps: {
  repos: Repositories;
  transaction: UnitOfWork;
  storage: Storage;
  /** Local folder for processing work files. */
  workRoot: string;
  registry: Registry;
  logger: FastifyBaseLogger;
  runWorker: boolean;
  workerOptions?: Partial<JobWorkerOptions>;
  tenantConcurrency?: number;
  /** The tus store of uploads, for removing expired ones. */
  tusDatastore: DataStore;
  /** URL imports may reach loopback and private addresses (KINO_IMPORT_ALLOW_PRIVATE). */
  importAllowPrivate?: boolean;
  importFetch?: ImportFetchOptions;
  /** Originals hot for this many days move to the storage's cold tier (KINO_COLD_AFTER_DAYS); 0: never. */
  coldAfterDays?: number;
  /** The wall clock that ages originals for cold storage (tests move it); Date.now by default. */
  clock?: () => number;
  /** Caption tracks from sources' subtitle streams, made with this runtime's queue. */
  captions?: (queue: JobQueue<KinoJobCatalog>) => SourceCaptions;
  /** The speech recogniser of automatic captions (captions.generate); without one those jobs fail. */
  asrEngine?: AsrEngine | undefined;
  /** Scheduled backups (KINO_BACKUP_URL): what to back up, where, and the passphrase for the secrets. */
  backup?: { live: LiveSystem; settings: BackupConfig; passphrase: string | undefined } | undefined;
  /** A recording with no byte for this long is completed as it is (KINO_RECORDING_ABANDON_AFTER). */
  recordingAbandonAfterMs?: number;
  /** How long per-view analytics rows and hourly rollups are kept (KINO_ANALYTICS_*_RETENTION). */
  analyticsRetention?: AnalyticsRetention;
}): JobRuntime {
  // The queue wakes this process's worker after an enqueue; the worker is created below.
  const local: { worker?: JobWorker<KinoJobCatalog> } = {};
  const queue = new JobQueue({
    catalog: jobCatalog,
    repos: deps.repos,
    transaction: deps.transaction,
    tenantConcurrency: deps.tenantConcurrency ?? 4,
    onEnqueued: () => local.worker?.wake(),
  });
  const metrics = createJobMetrics(deps.registry, deps.repos.jobs, queue.now);
  if (deps.backup)
    registerBackupMetrics(deps.registry, deps.repos.backupRuns, deps.backup.settings, queue.now);
  if (!deps.runWorker) {
    return { queue, worker: undefined, start: () => undefined, stop: () => Promise.resolve() };
  }

  const processing = {
    repos: deps.repos,
    storage: deps.storage,
    queue,
    transaction: deps.transaction,
    workRoot: deps.workRoot,
    captions: deps.captions?.(queue),
  };
  const handlers = new JobHandlers(jobCatalog)
    .on('maintenance.prune-jobs', pruneJobsHandler(deps.repos.jobs, queue.now))
    .on(
      'analytics.rollup',
      analyticsRollupHandler({
        repos: deps.repos,
        transaction: deps.transaction,
        now: queue.now,
        logger: deps.logger,
      }),
    )
    .on('media.process', processMediaHandler(processing))
    .on('media.encode', encodeMediaHandler(processing))
    .on(
      'media.import',
      importMediaHandler({
        repos: deps.repos,
        transaction: deps.transaction,
        storage: deps.storage,
        queue,
        workRoot: deps.workRoot,
        allowPrivate: deps.importAllowPrivate ?? false,
        fetch: deps.importFetch,
      }),
    )
    .on('uploads.expire', createExpireUploadsHandler({ ...deps, queue, datastore: deps.tusDatastore }))
    .on('media.remove-files', removeFilesHandler(deps.storage, uploadRemover(deps.tusDatastore)))
    .on('media.reconcile', reconcileHandler(deps.transaction, queue))
    .on(
      'media.cold-sweep',
      coldSweepHandler({
        transaction: deps.transaction,
        storage: deps.storage,
        now: deps.clock ?? Date.now,
        log: (msg, fields) => {
          deps.logger.warn(fields, msg);
        },
      }),
    )
    .on('media.restore-original', restoreOriginalHandler(processing))
    .on('events.dispatch', eventDispatchHandler({ transaction: deps.transaction, queue }))
    .on('events.sweep', eventsSweepHandler({ repos: deps.repos, queue }))
    .on('live.record', liveRecordHandler(processing))
    .on(
      'recording.join',
      recordingJoinHandler({
        ...processing,
        datastore: deps.tusDatastore,
        log: (msg, fields) => {
          deps.logger.warn(fields, msg);
        },
      }),
    )
    .on(
      'recordings.sweep',
      recordingsSweepHandler(
        new RecordingsService({ repos: deps.repos, transaction: deps.transaction, queue }),
      ),
    )
    .on(
      'webhook.deliver',
      webhookDeliverHandler({ repos: deps.repos, allowPrivate: deps.importAllowPrivate ?? false }),
    );
  if (deps.asrEngine) {
    handlers.on(
      'captions.generate',
      generateCaptionsHandler({
        engine: deps.asrEngine,
        captions: createCaptionsService({ ...deps, queue }),
        media: deps.repos.media,
        settings: deps.repos.captionSettings,
        storage: deps.storage,
        workRoot: deps.workRoot,
      }),
    );
  }
  handlers.on(
    'zoom.transcript',
    zoomTranscriptHandler({
      captions: createCaptionsService({ ...deps, queue }),
      workRoot: deps.workRoot,
      allowPrivate: deps.importAllowPrivate ?? false,
      fetch: deps.importFetch,
    }),
  );
  handlers.on(
    'backup.scheduled',
    scheduledBackupHandler(
      deps.backup && { ...deps.backup, runs: deps.repos.backupRuns, logger: deps.logger, now: queue.now },
    ),
  );
  const backupSchedules = deps.backup
    ? [
        {
          name: 'backup',
          everyMs: deps.backup.settings.everyMs,
          type: 'backup.scheduled' as const,
          payload: {},
        },
      ]
    : [];
  const worker = new JobWorker(
    { queue, handlers, jobs: deps.repos.jobs, logger: deps.logger.child({ role: 'worker' }), metrics },
    {
      ...DEFAULT_WORKER_OPTIONS,
      // One slot beside the others for the step that makes a new upload playable.
      playableConcurrency: 1,
      playableMaxPriority: PLAYABLE_LANE_PRIORITY,
      ...deps.workerOptions,
    },
  );
  const scheduler = new JobScheduler({
    queue,
    transaction: deps.transaction,
    logger: deps.logger,
    schedules: [
      ...recurringJobs,
      ...coldSchedules(deps.coldAfterDays ?? 0),
      abandonedRecordingsSchedule(deps.recordingAbandonAfterMs ?? 2 * 3600_000),
      analyticsRollupSchedule(deps.analyticsRetention),
      ...backupSchedules,
    ],
  });
  local.worker = worker;
  // Work folders of attempts whose worker was killed; this process's own are never touched while
  // their attempt runs.
  const sweep = () => {
    sweepWorkFolders({
      workRoot: deps.workRoot,
      runningAttempts: (ids) => deps.repos.jobs.runningAttempts(ids),
      quietForMs: WORK_FOLDER_QUIET_MS,
    }).then(
      (removed) => {
        if (removed.length) deps.logger.info({ removed }, 'removed work folders of attempts that ended');
      },
      (err: unknown) => {
        deps.logger.warn({ err }, 'could not sweep the work folders');
      },
    );
  };
  let sweeping: NodeJS.Timeout | undefined;
  return {
    queue,
    worker,
    start() {
      worker.start();
      scheduler.start();
      sweep();
      sweeping = setInterval(sweep, WORK_FOLDER_SWEEP_MS).unref();
    },
    async stop(graceMs) {
      clearInterval(sweeping);
      scheduler.stop();
      await worker.stop(graceMs);
    },
  };
}

/** The hourly move of old originals to cold storage, when KINO_COLD_AFTER_DAYS is set. */
function coldSchedules(afterDays: number) {
  if (afterDays <= 0) return [];
  return [
    {
      name: 'cold-originals',
      everyMs: 3600_000,
      type: 'media.cold-sweep' as const,
      payload: { afterDays, batch: 100 },
    },
  ];
}

/** Checks for abandoned recordings a few times per abandonment period (at most every minute). */
function abandonedRecordingsSchedule(abandonAfterMs: number) {
  return {
    name: 'complete-abandoned-recordings',
    everyMs: Math.max(1000, Math.min(60_000, Math.floor(abandonAfterMs / 4))),
    type: 'recordings.sweep' as const,
    payload: { abandonAfterMs },
  };
}

/** Closed hours are rolled up a few times an hour, so a dashboard's rollups lag by minutes at most. */
function analyticsRollupSchedule(retention: AnalyticsRetention | undefined) {
  return {
    name: 'analytics-rollup',
    everyMs: 10 * 60_000,
    type: 'analytics.rollup' as const,
    payload: retention ?? { viewRetentionMs: 90 * 86_400_000, rollupRetentionMs: 761 * 86_400_000 },
  };
}
