import type { UnitOfWork } from '../repositories/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { reconcileStuckMedia } from './lifecycle/stuck-media.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import type { Storage } from '../storage/storage.ts';
import { storageLayout } from '../storage/storage-layout.ts';

/**
 * Removes stored files; removing what is already gone is fine, so a retry is harmless. Unfinished
 * tus uploads go through `removeUpload` first (the tus store, which also aborts an S3 multipart
 * upload; see uploads/tus-gone.ts), which must take an upload that is gone as removed.
 */
export function removeFilesHandler(
  storage: Storage,
  removeUpload?: (uploadId: string) => Promise<void>,
): JobHandler<{ prefix?: string | undefined; keys: string[]; uploads?: string[] | undefined }> {
  return async ({ payload }) => {
    for (const id of payload.uploads ?? []) {
      await removeUpload?.(id);
      for (const key of storageLayout.uploadKeys(id)) await storage.delete(key);
    }
    if (payload.prefix) await storage.deletePrefix(payload.prefix);
    for (const key of payload.keys) await storage.delete(key);
  };
}

/** Media stuck in `processing` with no job left to finish them end errored (lifecycle/stuck-media.ts). */
export function reconcileHandler(
  transaction: UnitOfWork,
  queue: JobQueue<KinoJobCatalog>,
  now: () => number = queue.now,
): JobHandler<{ stuckForMs: number }> {
  return async ({ payload }) => {
    await reconcileStuckMedia(transaction, { queue }, now(), payload.stuckForMs);
  };
}
