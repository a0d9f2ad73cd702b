import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import type { Storage } from '../storage/storage.ts';
import { startReprocess } from './lifecycle/media-lifecycle.ts';
import { moveOriginal } from './lifecycle/original-tier.ts';
import { TransitionRefusedError } from './lifecycle/media-transitions.ts';

/** A move to cold storage younger than this is left to finish before a restore starts. */
const COOLING_SETTLE_MS = 3600_000;

/** The provider is still bringing the original back: the job retries later (its backoff is the poll). */
export class RestoreNotFinishedError extends Error {
  override name = 'RestoreNotFinishedError';
  constructor(mediaId: string) {
    super(`the original of ${mediaId} is still being restored from cold storage`);
  }
}

export interface RestoreOriginalDeps {
  repos: Pick<Repositories, 'media'>;
  transaction: UnitOfWork;
  storage: Storage;
  queue: JobQueue<KinoJobCatalog>;
}

/**
 * The `media.restore-original` job: asks the storage to bring a media's cold original back and,
 * while the provider's restore runs, fails with RestoreNotFinishedError so the job system polls
 * with its backoff. Once the original is hot the media records it and, when asked, its reprocess
 * starts in the same transaction (through the lifecycle).
 */
export function restoreOriginalHandler(
  deps: RestoreOriginalDeps,
): JobHandler<{ tenantId: string; mediaId: string; reprocess: boolean }> {
  return async ({ payload }) => {
    const media = await deps.repos.media.get(payload.tenantId, payload.mediaId);
    if (!media?.source_key) return;
    const now = deps.queue.now();
    const cold = deps.storage.coldTier;
    if (cold && media.original_tier !== 'hot') {
      // A sweep may be moving it right now: restoring under it could leave it cold after all.
      const coolingSince = media.original_tier_at ?? media.created_at;
      if (media.original_tier === 'cooling' && now - coolingSince < COOLING_SETTLE_MS) {
        throw new RestoreNotFinishedError(media.id);
      }
      if ((await cold.restore(media.source_key)) === 'restoring') {
        await deps.transaction((repos) => moveOriginal(repos, media, 'restore-started', now));
        throw new RestoreNotFinishedError(media.id);
      }
    }
    await deps.transaction(async (repos) => {
      const current = await repos.media.get(payload.tenantId, payload.mediaId);
      if (!current) return;
      await moveOriginal(repos, current, 'restored', now);
      if (!payload.reprocess) return;
      const restored = await repos.media.get(payload.tenantId, payload.mediaId);
      if (!restored) return;
      try {
        await startReprocess({ repos, queue: deps.queue, now }, restored);
      } catch (err) {
        // The media went somewhere a reprocess cannot start from (say, deleted and recreated).
        if (!(err instanceof TransitionRefusedError)) throw err;
      }
    });
  };
}
