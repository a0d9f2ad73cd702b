import type { Repositories } from '../src/repositories/repositories.ts';
import { recordEvent, type NewEvent } from '../src/events/record-event.ts';
import type { KinoJobCatalog } from '../src/jobs/catalog.ts';
import type { JobQueue } from '../src/jobs/job-queue.ts';
import { dispatchEvent } from '../src/webhooks/event-dispatch.handler.ts';

/** Records an event and dispatches it at once, in the caller's transaction: its deliveries exist on return. */
export async function emitAndDispatch(
  repos: Repositories,
  queue: JobQueue<KinoJobCatalog>,
  event: NewEvent,
  now = queue.now(),
): Promise<{ eventId: string; deliveryIds: string[] }> {
  const body = await recordEvent(repos, queue, event, now);
  return { eventId: body.id, deliveryIds: await dispatchEvent(repos, queue, event.tenantId, body.id) };
}
