import type { Repositories } from '../repositories/repositories.ts';
import { PermanentJobError } from '../jobs/job-errors.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import { failpoint } from '../lib/failpoints.ts';
import { pauseReason } from './webhook-pause.ts';
import { postWebhook, type PostFetchOptions } from './webhook-post.ts';
import { signatureHeader } from './webhook-signature.ts';

export interface WebhookDeliverDeps {
  repos: Pick<Repositories, 'webhooks'>;
  /** Endpoints may be loopback and private addresses (KINO_IMPORT_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Default 10 s. */
  timeoutMs?: number;
  fetch?: PostFetchOptions;
  now?: () => number;
}

type Payload = { tenantId: string; deliveryId: string };

/**
 * One attempt of one delivery: a signed POST; 2xx is delivered, anything else is recorded and
 * thrown so the job system retries with backoff; the last attempt leaves the delivery dead, and an
 * endpoint that keeps failing is paused.
 */
export function webhookDeliverHandler(deps: WebhookDeliverDeps): JobHandler<Payload> {
  const now = deps.now ?? Date.now;
  return async ({ job, payload, signal }) => {
    const { webhooks } = deps.repos;
    const delivery = await webhooks.getDelivery(payload.tenantId, payload.deliveryId);
    if (!delivery || delivery.state === 'delivered' || delivery.state === 'dead') return;
    const endpoint = await webhooks.getEndpoint(payload.tenantId, delivery.endpoint_id);
    if (!endpoint) return;
    if (endpoint.paused === 1) {
      await webhooks.updateDelivery(delivery.id, {
        state: 'dead',
        error: 'the endpoint is paused; resend once it is resumed',
        updated_at: now(),
      });
      return;
    }

    const outcome = await postWebhook(
      endpoint.url,
      delivery.body,
      {
        'kino-signature': signatureHeader(endpoint.secret, delivery.body, Math.floor(now() / 1000)),
        'kino-event-id': delivery.event_id,
        'kino-delivery-id': delivery.id,
      },
      { allowPrivate: deps.allowPrivate, timeoutMs: deps.timeoutMs ?? 10_000, signal, fetch: deps.fetch },
    );
    // The POST is over and its outcome not recorded yet: a process killed here sends it again.
    failpoint('webhook.after-send');
    // Shutdown or cancel: the attempt did not really happen; the job system hands it back.
    if (signal.aborted) throw new Error('the delivery was interrupted');

    const at = now();
    const result = {
      attempts: job.attempt,
      response_status: outcome.status,
      response_body: outcome.responseBody,
      duration_ms: outcome.durationMs,
      error: outcome.error,
      updated_at: at,
    };
    if (outcome.ok) {
      await webhooks.updateDelivery(delivery.id, { ...result, state: 'delivered', delivered_at: at });
      await webhooks.recordEndpointSuccess(endpoint.id, at);
      return;
    }
    const dead = outcome.permanent || job.attempt >= job.max_attempts;
    await webhooks.updateDelivery(delivery.id, { ...result, state: dead ? 'dead' : 'retrying' });
    const after = await webhooks.recordEndpointFailure(endpoint.id, { dead }, at);
    const reason = after && pauseReason(after, at);
    if (reason) {
      await webhooks.updateEndpoint(endpoint.tenant_id, endpoint.id, {
        paused: 1,
        paused_reason: reason,
        updated_at: at,
      });
    }
    const message = outcome.error ?? 'the delivery failed';
    throw outcome.permanent ? new PermanentJobError(message) : new Error(message);
  };
}
