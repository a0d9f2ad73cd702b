import type { MediaRow } from '../db/schema.ts';
import { storageLayout } from '../storage/storage-layout.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';

/** The storage prefix an attempt of a processing job writes its version under. */
export function attemptPrefix(media: Pick<MediaRow, 'tenant_id' | 'id'>, jobId: string, attempt: number) {
  return storageLayout.attemptPrefix(media.tenant_id, media.id, jobId, attempt);
}

/** The media's published version was written by an attempt of this job (a retry after its commit). */
export function publishedByJob(media: Pick<MediaRow, 'tenant_id' | 'id' | 'playback_prefix'>, jobId: string) {
  const ofJob = storageLayout.jobVersionsStart(media.tenant_id, media.id, jobId);
  return media.playback_prefix?.startsWith(ofJob) ?? false;
}

/**
 * Schedules the removal of versions that attempts wrote but that are not the media's published
 * one: an attempt that failed, or one whose worker was killed (found when the next attempt starts).
 * Such a prefix may still have been published for a while and then replaced; a replacement keeps
 * the version readable for `graceMs` after it, so the removal waits that long too and cannot cut a
 * player short. The idempotency key makes scheduling the same prefix twice a no-op.
 */
export async function removeUnpublishedLater(
  deps: { queue: Pick<JobQueue<KinoJobCatalog>, 'add'>; now?: () => number },
  media: Pick<MediaRow, 'tenant_id' | 'playback_prefix'>,
  prefixes: readonly string[],
  graceMs: number,
): Promise<void> {
  const now = deps.now?.() ?? Date.now();
  for (const prefix of prefixes) {
    if (prefix === media.playback_prefix) continue;
    await deps.queue.add({
      type: 'media.remove-files',
      payload: { prefix, keys: [] },
      tenantId: media.tenant_id,
      runAt: now + graceMs,
      idempotencyKey: `remove-unpublished:${prefix}`,
    });
  }
}
