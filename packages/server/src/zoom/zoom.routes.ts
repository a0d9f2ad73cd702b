import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { baseUrlOf } from '../http/base-url.ts';
import { timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { receiveZoomWebhook } from './zoom-webhook.ts';
import { zoomRules } from './zoom-rules.ts';
import type { ZoomConnectionRow } from './zoom.repository.ts';
import type { ZoomService } from './zoom.service.ts';

const secret = z.string().trim().min(1).max(512);

const connectBody = z.strictObject({
  accountId: z.string().trim().min(1).max(200).describe("The Server-to-Server OAuth app's account id"),
  clientId: z.string().trim().min(1).max(200),
  clientSecret: secret.describe('Stored sealed; never shown again'),
  webhookSecretToken: secret.describe("The app's webhook secret token; stored sealed; never shown again"),
  rules: zoomRules.optional().describe('Which meetings to import; every meeting when absent'),
});

/** The rules as stored (the input schema normalises; an answer only describes). */
const rulesJson = z.object({
  topicContains: z.string().optional(),
  hostEmails: z.array(z.string()).optional(),
  minDurationMinutes: z.number().int().optional(),
  visibility: z.enum(['public', 'private']),
  transcriptLanguage: z.string(),
});

const connectionSchema = z
  .object({
    accountId: z.string(),
    clientId: z.string(),
    clientSecretSet: z.boolean().describe('The secret itself is never shown'),
    webhookSecretTokenSet: z.boolean(),
    webhookUrl: z.string().describe("Zoom's Event notification endpoint URL for this tenant"),
    rules: rulesJson,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'ZoomConnection' });

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

const backfillBody = z
  .strictObject({
    userId: z.string().trim().min(1).max(320).default('me').describe('A Zoom user id or email, or me'),
    from: day,
    to: day,
  })
  .refine((b) => b.from <= b.to, 'from must not be after to')
  .refine((b) => Date.parse(b.to) - Date.parse(b.from) <= 366 * 86_400_000, 'at most a year at once');

const outcomeSchema = z.object({
  outcome: z.enum(['imported', 'duplicate', 'skipped']),
  mediaId: z.string().optional(),
  recordingFileId: z.string().optional(),
  reason: z.string().optional(),
});

const backfillResult = z
  .object({
    imported: z.number().int(),
    duplicates: z.number().int(),
    skipped: z.number().int(),
    meetings: z.array(outcomeSchema),
  })
  .meta({ id: 'ZoomBackfill' });

function toConnectionJson(row: ZoomConnectionRow, webhookUrl: string) {
  return {
    accountId: row.account_id,
    clientId: row.client_id,
    clientSecretSet: true,
    webhookSecretTokenSet: true,
    webhookUrl,
    rules: rulesJson.parse(JSON.parse(row.rules)),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

/** A tenant's Zoom connection (admins), its backfill, and the endpoint Zoom's webhooks reach. */
export function zoomRoutes(deps: { zoom: ZoomService; publicUrl: string | undefined }) {
  return async (app: App) => {
    const tags = ['zoom'];
    const access = 'keys:manage' as const;
    const webhookUrl = (request: Parameters<typeof baseUrlOf>[0], tenantId: string) =>
      `${baseUrlOf(request, deps.publicUrl)}/v1/zoom/webhooks/${tenantId}`;

    app.put(
      '/v1/zoom/connection',
      {
        config: { access },
        schema: {
          tags,
          summary: "Connect the tenant's Zoom app (Server-to-Server OAuth) and set its import rules",
          body: connectBody,
          response: { 200: connectionSchema, ...withNotFound },
        },
      },
      async (request) => {
        const tenantId = tenantOf(request);
        const row = await deps.zoom.connect(tenantId, request.body);
        return toConnectionJson(row, webhookUrl(request, tenantId));
      },
    );
    app.get(
      '/v1/zoom/connection',
      {
        config: { access },
        schema: {
          tags,
          summary: "The tenant's Zoom connection, secrets left out",
          response: { 200: connectionSchema, ...withNotFound },
        },
      },
      async (request) => {
        const tenantId = tenantOf(request);
        return toConnectionJson(await deps.zoom.connection(tenantId), webhookUrl(request, tenantId));
      },
    );
    app.delete(
      '/v1/zoom/connection',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Disconnect Zoom (media already imported stay)',
          response: { 204: z.null(), ...withNotFound },
        },
      },
      async (request, reply) => {
        await deps.zoom.disconnect(tenantOf(request));
        return reply.code(204).send(null);
      },
    );
    app.post(
      '/v1/zoom/backfill',
      {
        config: { access },
        schema: {
          tags,
          summary: "Import a user's past cloud recordings between two dates, by the rules",
          body: backfillBody,
          response: { 200: backfillResult, ...withNotFound },
        },
      },
      async (request) => {
        const outcomes = await deps.zoom.backfill(tenantOf(request), request.body);
        const count = (o: string) => outcomes.filter((x) => x.outcome === o).length;
        return {
          imported: count('imported'),
          duplicates: count('duplicate'),
          skipped: count('skipped'),
          meetings: outcomes,
        };
      },
    );

    // Zoom's webhooks: the signature is over the raw body, so this route reads it as text.
    await app.register(async (hooks: App) => {
      hooks.addContentTypeParser(
        'application/json',
        { parseAs: 'string', bodyLimit: 1024 * 1024 },
        (_req, body, done) => {
          done(null, body);
        },
      );
      hooks.post(
        '/v1/zoom/webhooks/:tenantId',
        {
          config: { access: 'public' },
          schema: {
            tags,
            summary:
              "Zoom's event notifications (recording.completed, endpoint.url_validation), signed with x-zm-signature",
            params: z.object({ tenantId: z.string().max(64) }),
          },
        },
        async (request, reply) => {
          if (typeof request.body !== 'string') {
            throw new ApiError('unsupported_media_type', 'Zoom webhooks are application/json');
          }
          const answer = await receiveZoomWebhook(deps.zoom, {
            tenantId: request.params.tenantId,
            signature: header(request.headers['x-zm-signature']),
            timestamp: header(request.headers['x-zm-request-timestamp']),
            rawBody: request.body,
          });
          request.log.info({ zoomEvent: answer.event, outcome: answer.result }, 'zoom webhook');
          return reply.code(200).send(answer.body);
        },
      );
    });
  };
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
