import type { Repositories } from '../db/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { processingKey } from './media-jobs.ts';
import { processTimeoutMs } from '../processing/job-timeouts.ts';
import { emitEvent } from '../webhooks/emit-event.ts';
import { mediaEventData } from '../webhooks/media-events.ts';

/** A media's original, complete in storage. */
export interface StoredOriginal {
  tenantId: string;
  mediaId: string;
  /** The storage key of the bytes: an `upl_` id at the storage root, whoever wrote them. */
  key: string;
  size: number;
  filename: string | null;
  /** Lowercase hex, when the writer computed it; processing fills it in otherwise. */
  sha256?: string | undefined;
}

/**
 * The one step from "the original is stored" to "processing": the media records its source,
 * moves to `processing`, and its processing job is enqueued. Run it inside the caller's unit of
 * work so both land together; the idempotency key keeps a repeated call to one processing job.
 */
export async function startProcessing(
  repos: Pick<Repositories, 'media' | 'jobs' | 'webhooks'>,
  queue: JobQueue<KinoJobCatalog>,
  original: StoredOriginal,
  now: number,
): Promise<void> {
  const updated = await repos.media.update(original.tenantId, original.mediaId, {
    status: 'processing',
    source_key: original.key,
    source_size: original.size,
    source_filename: original.filename,
    ...(original.sha256 !== undefined && { source_sha256: original.sha256 }),
    error_code: null,
    error_message: null,
    updated_at: now,
  });
  await queue.enqueue(repos, {
    type: 'media.process',
    payload: { tenantId: original.tenantId, mediaId: original.mediaId },
    tenantId: original.tenantId,
    idempotencyKey: processingKey(original.mediaId),
    timeoutMs: processTimeoutMs(original.size),
  });
  if (updated) {
    const event = {
      tenantId: original.tenantId,
      type: 'upload.completed' as const,
      data: mediaEventData(updated),
    };
    await emitEvent(repos, queue, event, now);
  }
}
