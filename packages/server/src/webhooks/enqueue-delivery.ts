import type { Repositories } from '../repositories/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';

/** Enqueues one attempt series of a recorded delivery (a new delivery, or a resend). */
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
