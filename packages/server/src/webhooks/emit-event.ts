import type { Repositories } from '../db/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { subscribes, type WebhookEventBody, type WebhookEventType } from './webhook-events.ts';

export interface WebhookEvent {
  tenantId: string;
  type: WebhookEventType;
  data: unknown;
}

/**
 * Records one delivery per unpaused endpoint of the tenant that takes this type, and enqueues a
 * `webhook.deliver` job for each. Pass the repositories of the caller's unit of work so the event
 * exists exactly when the change it announces does.
 */
export async function emitEvent(
  repos: Pick<Repositories, 'webhooks' | 'jobs'>,
  queue: JobQueue<KinoJobCatalog>,
  event: WebhookEvent,
  now = queue.now(),
): Promise<{ eventId: string; deliveryIds: string[] }> {
  const eventId = newId('evt', now);
  const endpoints = (await repos.webhooks.listActiveEndpoints(event.tenantId)).filter((e) =>
    subscribes(JSON.parse(e.events) as string[], event.type),
  );
  const body: WebhookEventBody = {
    id: eventId,
    type: event.type,
    createdAt: new Date(now).toISOString(),
    data: event.data,
  };
  const json = JSON.stringify(body);
  const deliveryIds: string[] = [];
  for (const endpoint of endpoints) {
    const id = newId('whd', now);
    await repos.webhooks.createDelivery({
      id,
      tenant_id: event.tenantId,
      endpoint_id: endpoint.id,
      event_id: eventId,
      event_type: event.type,
      body: json,
      state: 'pending',
      attempts: 0,
      response_status: null,
      response_body: null,
      duration_ms: null,
      error: null,
      created_at: now,
      updated_at: now,
      delivered_at: null,
    });
    await enqueueDelivery(repos, queue, event.tenantId, id);
    deliveryIds.push(id);
  }
  return { eventId, deliveryIds };
}

export async function enqueueDelivery(
  repos: Pick<Repositories, 'jobs'>,
  queue: JobQueue<KinoJobCatalog>,
  tenantId: string,
  deliveryId: string,
): Promise<void> {
  await queue.enqueue(repos, {
    type: 'webhook.deliver',
    payload: { tenantId, deliveryId },
    tenantId,
    idempotencyKey: deliveryId,
  });
}
