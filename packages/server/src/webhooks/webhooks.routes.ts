import { z } from 'zod';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../db/schema.ts';
import { tenantOf } from '../http/access.ts';
import { timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import type { App } from '../http/types.ts';
import { EVENT_TYPES } from '../events/event-types.ts';
import type { WebhooksService } from './webhooks.service.ts';

const eventTypeSchema = z.enum(EVENT_TYPES);

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(eventTypeSchema).describe('Types sent to this endpoint; empty means every type'),
    paused: z.boolean(),
    pausedReason: z.string().nullable().describe('Why Kino paused the endpoint; resume with PATCH'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Webhook' });

const webhookWithSecretSchema = webhookSchema
  .extend({
    secret: z.string().describe('The signing secret. Shown once: store it now.'),
  })
  .meta({ id: 'WebhookWithSecret' });

export const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    type: z.string(),
    state: z.enum(['pending', 'retrying', 'delivered', 'dead']),
    attempts: z.number().int(),
    responseStatus: z.number().int().nullable(),
    responseBody: z.string().nullable().describe('The first kilobyte of the last response'),
    durationMs: z.number().int().nullable(),
    error: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    deliveredAt: timestamp.nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

const createBody = z.strictObject({
  url: z.string().max(2048),
  events: z.array(eventTypeSchema).max(EVENT_TYPES.length).optional(),
  description: z.string().max(500).optional(),
});

const updateBody = z.strictObject({
  url: z.string().max(2048).optional(),
  events: z.array(eventTypeSchema).max(EVENT_TYPES.length).optional(),
  description: z.string().max(500).optional(),
  paused: z.literal(false).optional().describe('false resumes a paused endpoint'),
});

const idParams = z.object({ webhookId: z.string().max(64) });

export function toWebhookJson(row: WebhookEndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as z.infer<typeof eventTypeSchema>[],
    paused: row.paused === 1,
    pausedReason: row.paused_reason,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export function toDeliveryJson(row: WebhookDeliveryRow) {
  return {
    id: row.id,
    eventId: row.event_id,
    type: row.event_type,
    state: row.state,
    attempts: row.attempts,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    durationMs: row.duration_ms,
    error: row.error,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
    deliveredAt: row.delivered_at === null ? null : toIso(row.delivered_at),
  };
}

/** A tenant's webhook endpoints and their delivery log; full-scope keys only (keys:manage). */
export function webhooksRoutes(webhooks: WebhooksService) {
  return async (app: App) => {
    const access = 'keys:manage' as const;
    // Editors see endpoints and their deliveries; changing them takes an admin (or a full key).
    const read = 'webhooks:read' as const;
    const tags = ['webhooks'];
    app.post(
      '/v1/webhooks',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Create a webhook endpoint',
          body: createBody,
          response: { 201: webhookWithSecretSchema, ...withNotFound },
        },
      },
      async (request, reply) => {
        const { row, secret } = await webhooks.create(tenantOf(request), request.body);
        return reply.code(201).send({ ...toWebhookJson(row), secret });
      },
    );
    app.get(
      '/v1/webhooks',
      {
        config: { access: read },
        schema: {
          tags,
          summary: 'List webhook endpoints',
          response: { 200: z.object({ items: z.array(webhookSchema) }), ...withNotFound },
        },
      },
      async (request) => ({ items: (await webhooks.list(tenantOf(request))).map(toWebhookJson) }),
    );
    app.get(
      '/v1/webhooks/:webhookId',
      {
        config: { access: read },
        schema: {
          tags,
          summary: 'Get a webhook endpoint',
          params: idParams,
          response: { 200: webhookSchema, ...withNotFound },
        },
      },
      async (request) => toWebhookJson(await webhooks.get(tenantOf(request), request.params.webhookId)),
    );
    app.patch(
      '/v1/webhooks/:webhookId',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Change or resume a webhook endpoint',
          params: idParams,
          body: updateBody,
          response: { 200: webhookSchema, ...withNotFound },
        },
      },
      async (request) =>
        toWebhookJson(await webhooks.update(tenantOf(request), request.params.webhookId, request.body)),
    );
    app.delete(
      '/v1/webhooks/:webhookId',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Delete a webhook endpoint and its delivery log',
          params: idParams,
          response: { 204: z.null(), ...withNotFound },
        },
      },
      async (request, reply) => {
        await webhooks.remove(tenantOf(request), request.params.webhookId);
        return reply.code(204).send(null);
      },
    );
    app.post(
      '/v1/webhooks/:webhookId/rotate-secret',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Replace the signing secret; the new one is shown once',
          params: idParams,
          response: { 200: webhookWithSecretSchema, ...withNotFound },
        },
      },
      async (request) => {
        const { row, secret } = await webhooks.rotateSecret(tenantOf(request), request.params.webhookId);
        return { ...toWebhookJson(row), secret };
      },
    );
    app.get(
      '/v1/webhooks/:webhookId/deliveries',
      {
        config: { access: read },
        schema: {
          tags,
          summary: 'Recent deliveries, newest first',
          params: idParams,
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
          response: { 200: z.object({ items: z.array(deliverySchema) }), ...withNotFound },
        },
      },
      async (request) => ({
        items: (
          await webhooks.deliveries(tenantOf(request), request.params.webhookId, request.query.limit)
        ).map(toDeliveryJson),
      }),
    );
    app.post(
      '/v1/webhooks/:webhookId/deliveries/:deliveryId/resend',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Send a delivery’s event again, as a new delivery',
          params: idParams.extend({ deliveryId: z.string().max(64) }),
          response: { 202: deliverySchema, ...withNotFound, 409: withNotFound[404] },
        },
      },
      async (request, reply) => {
        const copy = await webhooks.resend(
          tenantOf(request),
          request.params.webhookId,
          request.params.deliveryId,
        );
        return reply.code(202).send(toDeliveryJson(copy));
      },
    );
  };
}
