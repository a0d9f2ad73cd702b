import type { Repositories } from '../db/repositories.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import type { Storage } from '../storage/storage.ts';

/** The idempotency key of a media's processing: one unfinished processing job per media. */
export const processingKey = (mediaId: string) => `media:${mediaId}:process`;

/** The idempotency key of a media's URL import: one unfinished import per media. */
export const importKey = (mediaId: string) => `media:${mediaId}:import`;

/** The storage prefix holding every version of a media's outputs. */
export const mediaPrefix = (tenantId: string, mediaId: string) => `media/${tenantId}/${mediaId}/`;

/** Removes stored files; removing what is already gone is fine, so a retry is harmless. */
export function removeFilesHandler(
  storage: Storage,
): JobHandler<{ prefix?: string | undefined; keys: string[] }> {
  return async ({ payload }) => {
    if (payload.prefix) await storage.deletePrefix(payload.prefix);
    for (const key of payload.keys) await storage.delete(key);
  };
}

export function reconcileHandler(
  repos: Pick<Repositories, 'media'>,
  now: () => number,
): JobHandler<{ stuckForMs: number }> {
  return async ({ payload }) => {
    await repos.media.failAbandoned(now() - payload.stuckForMs, now());
  };
}
