import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../db/schema.ts';
import { ApiError, notFound } from '../http/problem.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Resolver } from '../imports/pinned-dns.ts';
import { newId } from '../lib/ids.ts';
import { createDelivery } from './create-delivery.ts';
import type { EventType } from '../events/event-types.ts';
import { newWebhookSecret } from './webhook-signature.ts';
import { checkWebhookHost, validateWebhookUrl } from './webhook-url.ts';

export interface WebhookInput {
  url: string;
  events?: EventType[] | undefined;
  description?: string | undefined;
}

export interface WebhookChanges extends Partial<WebhookInput> {
  /** false resumes a paused endpoint. */
  paused?: false | undefined;
}

/** Managing a tenant's webhook endpoints; the secret leaves the server only from create and rotate. */
export class WebhooksService {
  constructor(
    private readonly deps: {
      repos: Pick<Repositories, 'webhooks'>;
      transaction: UnitOfWork;
      queue: JobQueue<KinoJobCatalog>;
      allowPrivate: boolean;
      /** How endpoint host names are resolved when set; the system resolver by default. */
      resolver?: Resolver;
      now?: () => number;
    },
  ) {}

  /** A URL endpoints may use: validated, and its host name resolved to public addresses only. */
  private async checkedUrl(raw: string): Promise<string> {
    const url = validateWebhookUrl(raw, this.deps.allowPrivate);
    await checkWebhookHost(url, { allowPrivate: this.deps.allowPrivate, resolver: this.deps.resolver });
    return url;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async create(tenantId: string, input: WebhookInput): Promise<{ row: WebhookEndpointRow; secret: string }> {
    const url = await this.checkedUrl(input.url);
    const now = this.now();
    const secret = newWebhookSecret();
    const row = await this.deps.repos.webhooks.createEndpoint({
      id: newId('whk', now),
      tenant_id: tenantId,
      url,
      description: input.description ?? '',
      events: JSON.stringify(input.events ?? []),
      secret,
      paused: 0,
      paused_reason: null,
      failing_since: null,
      consecutive_dead: 0,
      created_at: now,
      updated_at: now,
    });
    return { row, secret };
  }

  list(tenantId: string): Promise<WebhookEndpointRow[]> {
    return this.deps.repos.webhooks.listEndpoints(tenantId);
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpointRow> {
    const row = await this.deps.repos.webhooks.getEndpoint(tenantId, id);
    if (!row) throw notFound('webhook');
    return row;
  }

  async update(tenantId: string, id: string, changes: WebhookChanges): Promise<WebhookEndpointRow> {
    await this.get(tenantId, id);
    const url = changes.url === undefined ? undefined : await this.checkedUrl(changes.url);
    const row = await this.deps.repos.webhooks.updateEndpoint(tenantId, id, {
      ...(url !== undefined && { url }),
      ...(changes.events !== undefined && { events: JSON.stringify(changes.events) }),
      ...(changes.description !== undefined && { description: changes.description }),
      ...(changes.paused === false && {
        paused: 0,
        paused_reason: null,
        failing_since: null,
        consecutive_dead: 0,
      }),
      updated_at: this.now(),
    });
    if (!row) throw notFound('webhook');
    return row;
  }

  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await this.deps.repos.webhooks.deleteEndpoint(tenantId, id))) throw notFound('webhook');
  }

  async rotateSecret(tenantId: string, id: string): Promise<{ row: WebhookEndpointRow; secret: string }> {
    await this.get(tenantId, id);
    const secret = newWebhookSecret();
    const row = await this.deps.repos.webhooks.updateEndpoint(tenantId, id, {
      secret,
      updated_at: this.now(),
    });
    if (!row) throw notFound('webhook');
    return { row, secret };
  }

  async deliveries(tenantId: string, id: string, limit: number): Promise<WebhookDeliveryRow[]> {
    await this.get(tenantId, id);
    return this.deps.repos.webhooks.listDeliveries(tenantId, id, limit);
  }

  /** Sends a delivery's event again, as a new delivery with the same event id. */
  async resend(tenantId: string, id: string, deliveryId: string): Promise<WebhookDeliveryRow> {
    return this.deps.transaction(async (repos) => {
      const endpoint = await repos.webhooks.getEndpoint(tenantId, id);
      if (!endpoint) throw notFound('webhook');
      const original = await repos.webhooks.getDelivery(tenantId, deliveryId);
      if (original?.endpoint_id !== id) throw notFound('delivery');
      if (endpoint.paused === 1) throw new ApiError('conflict', 'the webhook is paused; resume it first');
      return createDelivery(repos, this.deps.queue, original, this.now());
    });
  }
}
