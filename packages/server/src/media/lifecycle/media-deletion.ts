import type { JobRow, MediaRow } from '../../db/schema.ts';
import { storageLayout } from '../../storage/storage-layout.ts';
import { encodingKey, importKey, liveRecordKey, processingKey } from '../media-job-keys.ts';
import { importTargets, scheduleRemoval } from '../stored-objects.ts';
import { MediaGoneError, type LifecycleTx } from './media-lifecycle.ts';

/**
 * Deletes the media at any stage and, in the caller's transaction, cancels its unfinished jobs
 * (import, processing, encode) and schedules the removal of everything it stored: versions and
 * caption files, the original, a partial tus upload (its S3 multipart upload too), and what a
 * cancelled import was writing.
 */
export async function deleteMedia(tx: LifecycleTx, media: MediaRow): Promise<void> {
  const { repos, now } = tx;
  const keys = [processingKey(media.id), encodingKey(media.id), importKey(media.id), liveRecordKey(media.id)];
  const jobs = (await Promise.all(keys.map((key) => repos.jobs.unfinishedWithKey(key)))).filter(
    (job): job is JobRow => job !== undefined,
  );
  for (const job of jobs) await repos.jobs.cancel(job.id, now);
  const uploads = await repos.uploads.unfinishedIds(media.tenant_id, media.id);
  if (!(await repos.media.delete(media.tenant_id, media.id))) throw new MediaGoneError(media.id);
  const originals = [...(media.source_key ? [media.source_key] : []), ...importTargets(jobs)];
  await scheduleRemoval(
    repos,
    tx.queue,
    {
      prefix: storageLayout.mediaPrefix(media.tenant_id, media.id),
      keys: originals.flatMap(storageLayout.originalKeys),
      uploads,
    },
    media.tenant_id,
    now,
  );
}
