import type { UnitOfWork } from '../repositories/repositories.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import type { Storage } from '../storage/storage.ts';
import { MEDIA_JOB_KEY, ORIGINAL_READER_KEY_SUFFIXES } from './media-job-keys.ts';
import { moveOriginal } from './lifecycle/original-tier.ts';

const DAY_MS = 24 * 3600_000;

export interface ColdSweepDeps {
  transaction: UnitOfWork;
  storage: Storage;
  now: () => number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * The `media.cold-sweep` job (KINO_COLD_AFTER_DAYS): originals of ready media that have been hot
 * for `afterDays` move to the storage's cold tier, `batch` at a time until none is left. Each
 * media is marked `cooling` before its object moves and `cold` after, so after a crash the next
 * run finds the `cooling` ones and moves them again (a move of a cold object does nothing).
 * Originals a job is reading (processing, captions, a restore) wait for the next run.
 */
export function coldSweepHandler(deps: ColdSweepDeps): JobHandler<{ afterDays: number; batch: number }> {
  return async ({ payload, signal }) => {
    const cold = deps.storage.coldTier;
    if (!cold) return;
    const skipped = new Set<string>();
    for (;;) {
      signal.throwIfAborted();
      const candidates = (
        await deps.transaction((repos) =>
          repos.media.listColdCandidates(
            deps.now() - payload.afterDays * DAY_MS,
            payload.batch + skipped.size,
            MEDIA_JOB_KEY.prefix,
            ORIGINAL_READER_KEY_SUFFIXES,
          ),
        )
      ).filter((media) => !skipped.has(media.id));
      if (candidates.length === 0) return;
      for (const media of candidates.slice(0, payload.batch)) {
        signal.throwIfAborted();
        const key = media.source_key;
        if (key === null) continue;
        if (media.original_tier === 'hot') {
          const marked = await deps.transaction((repos) =>
            moveOriginal(repos, media, 'cooling-started', deps.now()),
          );
          if (!marked) continue;
        }
        try {
          await cold.moveToCold(key);
        } catch (err) {
          // Left cooling: the next run tries again; this one goes on with the others.
          skipped.add(media.id);
          deps.log?.('could not move an original to cold storage', { err, mediaId: media.id, key });
          continue;
        }
        await deps.transaction((repos) => moveOriginal(repos, media, 'moved-cold', deps.now()));
      }
    }
  };
}
