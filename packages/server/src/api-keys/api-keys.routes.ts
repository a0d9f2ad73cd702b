import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiKeyRow } from '../db/schema.ts';
import { tenantOf } from '../http/access.ts';
import { timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import type { Access, App } from '../http/types.ts';
import type { ApiKeysService } from './api-keys.service.ts';

const scopeSchema = z
  .enum(['full', 'read', 'upload'])
  .describe('full: everything in the tenant; read: read media; upload: create media and upload');

export const apiKeySchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string(),
    scope: scopeSchema,
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

const createdKeySchema = apiKeySchema
  .extend({ apiKey: z.string().describe('The key itself. Shown once: store it now.') })
  .meta({ id: 'CreatedApiKey' });

const createBody = z.strictObject({
  name: z.string().trim().min(1).max(200).default('API key'),
  scope: scopeSchema.default('full'),
});

export function toApiKeyJson(row: ApiKeyRow) {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    scope: row.scope,
    createdAt: toIso(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : toIso(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : toIso(row.revoked_at),
  };
}

/**
 * Key management twice over: a tenant's own keys under /v1/keys, and any tenant's keys for the
 * operator under /v1/tenants/{tenantId}/keys. Both resolve a tenant, then share the handlers.
 */
export function apiKeysRoutes(keys: ApiKeysService) {
  return async (app: App) => {
    const mounts: { prefix: string; access: Access; tenant: (r: FastifyRequest) => string }[] = [
      { prefix: '/v1/keys', access: 'keys:manage', tenant: tenantOf },
      {
        prefix: '/v1/tenants/:tenantId/keys',
        access: 'operator',
        tenant: (r) => (r.params as { tenantId: string }).tenantId,
      },
    ];
    for (const { prefix, access, tenant } of mounts) {
      const params = prefix.includes(':tenantId') ? z.object({ tenantId: z.string().max(64) }) : z.object({});
      app.post(
        prefix,
        {
          config: { access },
          schema: {
            tags: ['keys'],
            summary: 'Create an API key',
            params,
            body: createBody,
            response: { 201: createdKeySchema, ...withNotFound },
          },
        },
        async (request, reply) => {
          const created = await keys.create(tenant(request), request.body);
          return reply.code(201).send({ ...toApiKeyJson(created.row), apiKey: created.apiKey });
        },
      );
      app.get(
        prefix,
        {
          config: { access },
          schema: {
            tags: ['keys'],
            summary: 'List API keys',
            params,
            response: { 200: z.object({ items: z.array(apiKeySchema) }), ...withNotFound },
          },
        },
        async (request) => ({ items: (await keys.list(tenant(request))).map(toApiKeyJson) }),
      );
      app.delete(
        `${prefix}/:keyId`,
        {
          config: { access },
          schema: {
            tags: ['keys'],
            summary: 'Revoke an API key',
            params: params.extend({ keyId: z.string().max(64) }),
            response: { 200: apiKeySchema, ...withNotFound },
          },
        },
        async (request) => toApiKeyJson(await keys.revoke(tenant(request), request.params.keyId)),
      );
    }
  };
}
