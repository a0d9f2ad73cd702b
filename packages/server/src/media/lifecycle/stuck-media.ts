import type { UnitOfWork } from '../../repositories/repositories.ts';
import {
  encodingKey,
  importKey,
  MEDIA_JOB_KEY,
  MEDIA_WORK_KEY_SUFFIXES,
  processingKey,
} from '../media-job-keys.ts';
import { failAttempt, type LifecycleTx } from './media-lifecycle.ts';

const BATCH = 100;

const IMPORT_STOPPED = {
  code: 'import_failed',
  message: 'The import stopped before it finished; create the media again to retry.',
  messageIfKept: 'The import stopped before it finished; create the media again to retry.',
};
const PROCESSING_STOPPED = {
  code: 'processing_failed',
  message: 'Processing stopped before it finished; reprocess the media to try again.',
  messageIfKept:
    'Reprocessing stopped before it finished; the previous version keeps playing. Reprocess the media to try again.',
};

/**
 * Media left `processing` with no unfinished processing, encode or import job (a worker died on
 * the last attempt, a job was cancelled) end `errored`, so nothing stays "converting" forever;
 * one with a complete version (a reprocess that stopped) goes back to `ready`, that version
 * playing. Each media moves in its own transaction, with its event.
 */
export async function reconcileStuckMedia(
  transaction: UnitOfWork,
  tx: Omit<LifecycleTx, 'repos' | 'now'>,
  now: number,
  stuckForMs: number,
): Promise<number> {
  let moved = 0;
  const candidates = await transaction((repos) =>
    repos.media.listStuckCandidates(now - stuckForMs, BATCH, MEDIA_JOB_KEY.prefix, MEDIA_WORK_KEY_SUFFIXES),
  );
  for (const candidate of candidates) {
    const done = await transaction(async (repos) => {
      const media = await repos.media.get(candidate.tenant_id, candidate.id);
      if (media?.status !== 'processing' || media.updated_at >= now - stuckForMs) return false;
      const keys = [processingKey(media.id), encodingKey(media.id), importKey(media.id)];
      for (const key of keys) if (await repos.jobs.unfinishedWithKey(key)) return false;
      const importing = media.source_key === null;
      await failAttempt(
        { ...tx, repos, now },
        media,
        importing ? IMPORT_STOPPED : PROCESSING_STOPPED,
        'stuck-reconciled',
      );
      return true;
    });
    if (done) moved++;
  }
  return moved;
}
