import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { subscribes, type EventType } from '../events/event-types.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { createDelivery } from './create-delivery.ts';

/**
 * The outbox's dispatcher: turns one event row into a delivery (and its `webhook.deliver` job)
 * per unpaused endpoint of the tenant that takes the type, and marks the event dispatched, all in
 * one transaction. A dispatcher that dies half-way leaves nothing, and the job's retry does it all.
 */
export function eventDispatchHandler(deps: {
  transaction: UnitOfWork;
  queue: JobQueue<KinoJobCatalog>;
}): JobHandler<{ tenantId: string; eventId: string }> {
  return async ({ payload }) => {
    await deps.transaction((repos) => dispatchEvent(repos, deps.queue, payload.tenantId, payload.eventId));
  };
}

export async function dispatchEvent(
  repos: Pick<Repositories, 'events' | 'webhooks' | 'jobs'>,
  queue: JobQueue<KinoJobCatalog>,
  tenantId: string,
  eventId: string,
): Promise<string[]> {
  const event = await repos.events.get(tenantId, eventId);
  if (!event || event.dispatched_at !== null) return [];
  const now = queue.now();
  const type = event.type as EventType;
  const endpoints = (await repos.webhooks.listActiveEndpoints(tenantId)).filter((e) =>
    subscribes(JSON.parse(e.events) as string[], type),
  );
  const deliveryIds: string[] = [];
  for (const endpoint of endpoints) {
    const delivery = await createDelivery(
      repos,
      queue,
      {
        tenant_id: tenantId,
        endpoint_id: endpoint.id,
        event_id: event.id,
        event_type: event.type,
        body: event.body,
      },
      now,
    );
    deliveryIds.push(delivery.id);
  }
  await repos.events.markDispatched(event.id, now);
  return deliveryIds;
}
