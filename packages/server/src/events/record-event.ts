import type { Repositories } from '../repositories/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { subscribes, type EventBody, type EventType } from './event-types.ts';

export interface NewEvent {
  tenantId: string;
  type: EventType;
  data: unknown;
}

/** The idempotency key of an event's dispatch: one dispatch job per event. */
export const dispatchKey = (eventId: string) => `event:${eventId}:dispatch`;

/**
 * Writes an event into the outbox and enqueues its dispatch, both with the caller's
 * repositories: call it inside the transaction of the change the event announces, so the event
 * exists exactly when that change does (none for a rollback, never lost after a commit). When no
 * endpoint of the tenant takes the type, the row is written already dispatched and no job is
 * enqueued: an endpoint receives the events that happen after it exists.
 */
export async function recordEvent(
  repos: Pick<Repositories, 'events' | 'jobs' | 'webhooks'>,
  queue: JobQueue<KinoJobCatalog>,
  event: NewEvent,
  now: number,
): Promise<EventBody> {
  const body: EventBody = {
    id: newId('evt', now),
    type: event.type,
    createdAt: new Date(now).toISOString(),
    data: event.data,
  };
  const endpoints = await repos.webhooks.listActiveEndpoints(event.tenantId);
  const wanted = endpoints.some((e) => subscribes(JSON.parse(e.events) as string[], event.type));
  await repos.events.create({
    id: body.id,
    tenant_id: event.tenantId,
    type: event.type,
    body: JSON.stringify(body),
    created_at: now,
    dispatched_at: wanted ? null : now,
  });
  if (wanted) await enqueueDispatch(repos, queue, event.tenantId, body.id);
  return body;
}

export async function enqueueDispatch(
  repos: Pick<Repositories, 'jobs'>,
  queue: JobQueue<KinoJobCatalog>,
  tenantId: string,
  eventId: string,
): Promise<void> {
  await queue.enqueue(repos, {
    type: 'events.dispatch',
    payload: { tenantId, eventId },
    tenantId,
    idempotencyKey: dispatchKey(eventId),
  });
}
