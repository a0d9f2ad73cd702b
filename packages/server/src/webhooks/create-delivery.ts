import type { WebhookDeliveryRow } from '../db/schema.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import type { Repositories } from '../repositories/repositories.ts';

/** What a delivery sends, and to whom: the same for every delivery of one event to one endpoint. */
export type DeliveryTarget = Pick<
  WebhookDeliveryRow,
  'tenant_id' | 'endpoint_id' | 'event_id' | 'event_type' | 'body'
>;

/**
 * Records a new, pending delivery of `target` (a first delivery, or a resend) and enqueues its
 * series of attempts, with the caller's repositories.
 */
export async function createDelivery(
  repos: Pick<Repositories, 'webhooks' | 'jobs'>,
  queue: JobQueue<KinoJobCatalog>,
  target: DeliveryTarget,
  now: number,
): Promise<WebhookDeliveryRow> {
  const row = await repos.webhooks.createDelivery({
    tenant_id: target.tenant_id,
    endpoint_id: target.endpoint_id,
    event_id: target.event_id,
    event_type: target.event_type,
    body: target.body,
    id: newId('whd', now),
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
  await queue.enqueue(repos, {
    type: 'webhook.deliver',
    payload: { tenantId: row.tenant_id, deliveryId: row.id },
    tenantId: row.tenant_id,
    idempotencyKey: row.id,
  });
  return row;
}
