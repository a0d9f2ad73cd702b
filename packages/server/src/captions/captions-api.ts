import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { Storage } from '../storage/storage.ts';
import { CaptionSearchService } from './caption-search.service.ts';
import { captionsRoutes } from './captions.routes.ts';
import { CaptionsService } from './captions.service.ts';

interface CaptionsDeps {
  repos: Pick<Repositories, 'captions' | 'captionSearch' | 'media'>;
  transaction: UnitOfWork;
  storage: Storage;
  queue: JobQueue<KinoJobCatalog>;
}

/** The caption services over the process's repositories and storage. */
export function createCaptionsService(deps: CaptionsDeps): CaptionsService {
  return new CaptionsService({
    captions: deps.repos.captions,
    media: deps.repos.media,
    transaction: deps.transaction,
    storage: deps.storage,
    queue: deps.queue,
  });
}

/**
 * The captions API (tracks of media, search inside media), wired from what a Kino process has.
 *
 * @example await app.register(captionsApi({ repos, transaction, storage, queue: jobs.queue, publicUrl }))
 */
export function captionsApi(deps: CaptionsDeps & { publicUrl?: string | undefined }) {
  return captionsRoutes({
    captions: createCaptionsService(deps),
    search: new CaptionSearchService(deps.repos.captionSearch),
    publicUrl: deps.publicUrl,
  });
}
