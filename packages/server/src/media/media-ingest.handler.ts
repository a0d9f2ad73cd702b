import type { Repositories } from '../db/repositories.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import { PermanentJobError } from '../jobs/job-errors.ts';
import { sha256Of } from '../lib/sha256.ts';
import type { Storage } from '../storage/storage.ts';

/**
 * The original has arrived: record its checksum (the original is kept for any reprocessing).
 * Idempotent: the checksum of the same bytes is the same, and is only written when missing.
 */
export function mediaIngestHandler(deps: {
  repos: Pick<Repositories, 'media'>;
  storage: Storage;
  now?: () => number;
}): JobHandler<{ tenantId: string; mediaId: string }> {
  return async ({ payload, signal, progress }) => {
    const media = await deps.repos.media.get(payload.tenantId, payload.mediaId);
    if (!media) throw new PermanentJobError('the media was deleted');
    if (!media.source_key) throw new PermanentJobError('the media has no source');
    if (!media.source_sha256) {
      progress(0, 'checking the original');
      const { body } = await deps.storage.get(media.source_key);
      const sha256 = await sha256Of(body, signal);
      await deps.repos.media.update(media.tenant_id, media.id, {
        source_sha256: sha256,
        updated_at: deps.now?.() ?? Date.now(),
      });
    }
  };
}
