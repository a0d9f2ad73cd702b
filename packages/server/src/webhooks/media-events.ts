import type { UnitOfWork } from '../db/repositories.ts';
import type { MediaRow } from '../db/schema.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { emitEvent } from './emit-event.ts';
import type { WebhookEventType } from './webhook-events.ts';

/** The `data` of a media event: enough to act on, without URLs that depend on the public address. */
export function mediaEventData(row: MediaRow) {
  return {
    id: row.id,
    status: row.status,
    playable: row.playable === 1,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
  };
}

/** Announces a media change from code that holds no unit of work of its own. */
export type MediaEventSink = (type: WebhookEventType, row: MediaRow) => Promise<void>;

export function mediaEventSink(transaction: UnitOfWork, queue: JobQueue<KinoJobCatalog>): MediaEventSink {
  return (type, row) =>
    transaction((repos) =>
      emitEvent(repos, queue, { tenantId: row.tenant_id, type, data: mediaEventData(row) }),
    ).then(() => undefined);
}
