import type { DataStore } from '@tus/utils';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { UploadRow } from '../db/schema.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Storage } from '../storage/storage.ts';
import { storageLayout } from '../storage/storage-layout.ts';
import { isGone } from './tus-gone.ts';
import { UPLOAD_EXPIRY_MS } from './tus-server.ts';
import { UploadsService } from './uploads.service.ts';

const BATCH = 100;

export interface ExpireUploadsDeps {
  uploads: Pick<Repositories['uploads'], 'listUnfinishedBefore'>;
  service: Pick<UploadsService, 'finish' | 'forget'>;
  datastore: Pick<DataStore, 'getUpload' | 'remove'>;
  storage: Pick<Storage, 'delete'>;
  now: () => number;
}

/**
 * Removes unfinished uploads past their Upload-Expires (plus `graceMs`, so a PATCH that started
 * just before the deadline is not cut): their partial bytes and tus metadata on disk or S3
 * (aborting the S3 multipart upload), then their row. The media an upload was filling stays
 * `waiting` rather than `errored`: nothing is wrong with it, it still has no source, and a new
 * upload naming it (`mediaId`) can fill it, which an errored media would refuse.
 *
 * An upload whose bytes all arrived but whose finish was never recorded (the process stopped in
 * between) is finished instead: the user sent everything, so it is processed, not thrown away.
 *
 * Kino's rows say what is unfinished, not the stores' own deleteExpired(): FileStore's would also
 * delete finished originals (its metadata file keeps the offset of 0 it was created with).
 */
export function expireUploadsHandler(deps: ExpireUploadsDeps): JobHandler<{ graceMs: number }> {
  const expire = async (row: UploadRow) => {
    const stored = await deps.datastore.getUpload(row.id).catch((err: unknown) => {
      if (isGone(err)) return undefined;
      throw err;
    });
    if (stored?.size !== undefined && stored.offset === stored.size) {
      await deps.service.finish(row.id);
      return;
    }
    await deps.datastore.remove(row.id).catch((err: unknown) => {
      if (!isGone(err)) throw err;
    });
    // Whatever the store's own removal missed (S3Store leaves `.part`; FileStore stops at a missing file).
    for (const key of storageLayout.uploadKeys(row.id)) await deps.storage.delete(key);
    await deps.service.forget(row.id);
  };

  return async ({ payload, signal }) => {
    const before = deps.now() - UPLOAD_EXPIRY_MS - payload.graceMs;
    for (;;) {
      const rows = await deps.uploads.listUnfinishedBefore(before, BATCH);
      for (const row of rows) {
        signal.throwIfAborted();
        await expire(row);
      }
      if (rows.length < BATCH) return;
    }
  };
}

/** The handler wired to Kino's repositories, queue, tus store and storage (see job-runtime.ts). */
export function createExpireUploadsHandler(deps: {
  repos: Repositories;
  transaction: UnitOfWork;
  queue: JobQueue<KinoJobCatalog>;
  datastore: DataStore;
  storage: Storage;
}): JobHandler<{ graceMs: number }> {
  const now = () => deps.queue.now();
  return expireUploadsHandler({
    uploads: deps.repos.uploads,
    service: new UploadsService({ repos: deps.repos, transaction: deps.transaction, queue: deps.queue, now }),
    datastore: deps.datastore,
    storage: deps.storage,
    now,
  });
}
