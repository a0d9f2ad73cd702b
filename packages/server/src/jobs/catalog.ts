import { z } from 'zod';
import { defineJobCatalog } from './job-registry.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * Every kind of background work Kino does, with its payload schema and defaults. Priorities:
 * 0–9 make media playable, 10–49 finish processing, 50+ is maintenance. Jobs of priority
 * PLAYABLE_LANE_PRIORITY or less (the short step to a first playable version) also run in the
 * worker slots reserved for them (JobWorkerOptions.playableConcurrency).
 */
export const jobCatalog = defineJobCatalog({
  'media.process': {
    payload: z.object({ tenantId: z.string(), mediaId: z.string() }),
    priority: 1,
    // Bad media fail at once (permanent); what gets retried is mostly the infrastructure (storage
    // or database down, a worker killed). Four retries, 10 s doubling (±50 %), ride out an outage
    // of 75 s at the least and about 150 s typically.
    maxAttempts: 5,
    // Only when an enqueue names none: each attempt is sized from the original's bytes
    // (media/attempt-timeouts.ts), and media.encode's from the probed source (processing/job-timeouts.ts).
    timeoutMs: 6 * HOUR,
    retryBaseMs: 10_000,
    retryMaxMs: 2 * 60_000,
  },
  // The full version (the encoded ladder, storyboard, poster, download) after media.process made
  // the media playable; outside the playable lane, so long encodes never delay a first version.
  'media.encode': {
    payload: z.object({ tenantId: z.string(), mediaId: z.string() }),
    priority: 10,
    maxAttempts: 5,
    timeoutMs: 6 * HOUR,
    retryBaseMs: 10_000,
    retryMaxMs: 2 * 60_000,
  },
  'media.import': {
    payload: z.object({
      tenantId: z.string(),
      mediaId: z.string(),
      url: z.string(),
      /** Where the original goes, fixed at enqueue so every attempt writes the same object. */
      sourceKey: z.string().regex(/^upl_[a-z0-9]+$/),
    }),
    priority: 2,
    maxAttempts: 4,
    timeoutMs: 4 * HOUR,
    retryBaseMs: 30_000,
    retryMaxMs: 10 * 60_000,
  },
  // A broadcast that ended: its live segments joined (no re-encode) into the media's original,
  // which then takes media.process like an upload. Playable from the live segments meanwhile.
  'live.record': {
    payload: z.object({ tenantId: z.string(), mediaId: z.string() }),
    priority: 3,
    maxAttempts: 5,
    timeoutMs: 2 * HOUR,
    retryBaseMs: 10_000,
    retryMaxMs: 2 * 60_000,
  },
  'media.remove-files': {
    payload: z.object({
      // A version, a media, or a whole tenant's folder (the tenant was deleted).
      prefix: z
        .string()
        .regex(/^media\/[a-z0-9_]+\/([a-z0-9_]+\/([a-z0-9_-]+\/)?)?$/)
        .optional(),
      keys: z.array(z.string().regex(/^upl_[a-z0-9]+(\.json|\.info)?$/)).default([]),
      /** Unfinished tus uploads: removed through the tus store (which aborts S3 multipart uploads). */
      uploads: z.array(z.string().regex(/^upl_[a-z0-9]+$/)).optional(),
    }),
    priority: 80,
    maxAttempts: 10,
    timeoutMs: HOUR,
  },
  // KINO_COLD_AFTER_DAYS: originals hot for that long move to the storage's cold tier, in
  // batches; a move that stopped is finished by the next run (media/cold-originals.ts).
  'media.cold-sweep': {
    payload: z.object({ afterDays: z.number().int().positive(), batch: z.number().int().positive() }),
    priority: 85,
    maxAttempts: 3,
    timeoutMs: 6 * HOUR,
  },
  // A cold original asked for (a reprocess): the restore is started, then polled by retrying with
  // backoff (1 minute doubling to 30) until the provider has it back, for about four days; then
  // the reprocess starts (media/restore-original.handler.ts).
  'media.restore-original': {
    payload: z.object({ tenantId: z.string(), mediaId: z.string(), reprocess: z.boolean() }),
    priority: 15,
    maxAttempts: 200,
    timeoutMs: 6 * HOUR,
    retryBaseMs: 60_000,
    retryMaxMs: 30 * 60_000,
  },
  'media.reconcile': {
    payload: z.object({ stuckForMs: z.number().int().positive() }),
    priority: 60,
    maxAttempts: 1,
    timeoutMs: 5 * 60_000,
  },
  'uploads.expire': {
    payload: z.object({ graceMs: z.number().int().nonnegative() }),
    priority: 70,
    maxAttempts: 3,
    timeoutMs: 30 * 60_000,
  },
  // The outbox's dispatcher: an event row becomes one delivery per subscribed endpoint.
  'events.dispatch': {
    payload: z.object({ tenantId: z.string(), eventId: z.string() }),
    priority: 25,
    maxAttempts: 10,
    timeoutMs: 60_000,
    retryBaseMs: 5_000,
    retryMaxMs: 10 * 60_000,
  },
  // Events whose dispatch job was lost (cancelled or pruned by hand) are dispatched again, and
  // dispatched ones are dropped once their deliveries carry them.
  'events.sweep': {
    payload: z.object({
      undispatchedForMs: z.number().int().positive(),
      keepDispatchedForMs: z.number().int().positive(),
    }),
    priority: 60,
    maxAttempts: 3,
    timeoutMs: 5 * 60_000,
  },
  'webhook.deliver': {
    payload: z.object({ tenantId: z.string(), deliveryId: z.string() }),
    priority: 30,
    // 30 s doubling to an hour: about four hours of attempts before a delivery is dead.
    maxAttempts: 10,
    timeoutMs: 60_000,
    retryBaseMs: 30_000,
    retryMaxMs: 3600_000,
  },
  // A completed recording's parts, repaired and joined per track, become its media's original.
  'recording.join': {
    payload: z.object({ tenantId: z.string(), recordingId: z.string() }),
    priority: 1,
    maxAttempts: 4,
    timeoutMs: 2 * HOUR,
    retryBaseMs: 10_000,
    retryMaxMs: 2 * 60_000,
  },
  // Recordings whose client stopped sending are completed as they are (media.recovered).
  'recordings.sweep': {
    payload: z.object({ abandonAfterMs: z.number().int().positive() }),
    priority: 60,
    maxAttempts: 3,
    timeoutMs: 5 * 60_000,
  },
  // A Zoom recording's transcript (WebVTT) becomes its media's caption track.
  // Automatic captions (captions/asr/): after processing (priority 10), before maintenance; one
  // transcription at a time per worker process (the handler waits its turn).
  'captions.generate': {
    payload: z.object({ tenantId: z.string(), mediaId: z.string(), language: z.string().optional() }),
    priority: 40,
    maxAttempts: 3,
    timeoutMs: 6 * HOUR,
    retryBaseMs: 60_000,
    retryMaxMs: 15 * 60_000,
  },
  'zoom.transcript': {
    payload: z.object({
      tenantId: z.string(),
      mediaId: z.string(),
      /** Carries Zoom's download token (never listed by the jobs API). */
      url: z.string(),
      language: z.string(),
    }),
    priority: 20,
    maxAttempts: 4,
    timeoutMs: 15 * 60_000,
    retryBaseMs: 30_000,
    retryMaxMs: 10 * 60_000,
  },
  // KINO_BACKUP_URL: the database snapshot and every stored object, then pruning (backup/).
  'backup.scheduled': {
    payload: z.object({}),
    priority: 95,
    maxAttempts: 2,
    timeoutMs: 24 * HOUR,
    retryBaseMs: 10 * 60_000,
  },
  // Playback analytics: closed hours summed into rollups, then retention (analytics/analytics-rollup.ts).
  'analytics.rollup': {
    payload: z.object({
      viewRetentionMs: z.number().int().positive(),
      rollupRetentionMs: z.number().int().positive(),
    }),
    priority: 85,
    maxAttempts: 3,
    timeoutMs: 30 * 60_000,
  },
  'maintenance.prune-jobs': {
    payload: z.object({ keepFinishedForMs: z.number().int().positive() }),
    priority: 90,
    maxAttempts: 3,
    timeoutMs: 10 * 60_000,
  },
});

export type KinoJobCatalog = typeof jobCatalog;

/** The highest priority the playable lane takes: media.process (probe and repackage). */
export const PLAYABLE_LANE_PRIORITY = 1;

export const recurringJobs = [
  {
    name: 'reconcile-stuck-media',
    everyMs: 60_000,
    type: 'media.reconcile' as const,
    payload: { stuckForMs: 120_000 },
  },
  {
    name: 'expire-abandoned-uploads',
    everyMs: 15 * 60_000,
    type: 'uploads.expire' as const,
    payload: { graceMs: HOUR },
  },
  {
    name: 'sweep-events',
    everyMs: 5 * 60_000,
    type: 'events.sweep' as const,
    payload: { undispatchedForMs: 5 * 60_000, keepDispatchedForMs: 14 * DAY },
  },
  {
    name: 'prune-finished-jobs',
    everyMs: HOUR,
    type: 'maintenance.prune-jobs' as const,
    payload: { keepFinishedForMs: 14 * DAY },
  },
];
