import type { DatabaseHandle } from '../db/database.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { MediaRepository } from '../media/media.repository.ts';
import type { Storage } from '../storage/storage.ts';
import { CaptionSearchRepository } from './caption-search.repository.ts';
import { CaptionSearchService } from './caption-search.service.ts';
import { CaptionsRepository } from './captions.repository.ts';
import { captionsRoutes } from './captions.routes.ts';
import { CaptionsService } from './captions.service.ts';
import { captionsUnitOfWork } from './captions-unit-of-work.ts';

/** The caption services over one database and storage. */
export function createCaptionsService(deps: {
  database: DatabaseHandle;
  storage: Storage;
  queue: JobQueue<KinoJobCatalog>;
}): CaptionsService {
  return new CaptionsService({
    captions: new CaptionsRepository(deps.database.db),
    media: new MediaRepository(deps.database.db),
    transaction: captionsUnitOfWork(deps.database),
    storage: deps.storage,
    queue: deps.queue,
  });
}

/**
 * The captions API (tracks of media, search inside media), wired from what a Kino process has.
 *
 * @example await app.register(captionsApi({ database, storage, queue: jobs.queue, publicUrl }))
 */
export function captionsApi(deps: {
  database: DatabaseHandle;
  storage: Storage;
  queue: JobQueue<KinoJobCatalog>;
  publicUrl?: string | undefined;
}) {
  return captionsRoutes({
    captions: createCaptionsService(deps),
    search: new CaptionSearchService(new CaptionSearchRepository(deps.database.db, deps.database.dialect)),
    publicUrl: deps.publicUrl,
  });
}
