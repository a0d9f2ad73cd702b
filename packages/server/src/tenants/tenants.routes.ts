import { z } from 'zod';
import type { TenantRow } from '../db/schema.ts';
import { authErrors, paginationQuery, timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import type { App } from '../http/types.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import type { TenantsService } from './tenants.service.ts';

const tenantSchema = z
  .object({ id: z.string(), name: z.string(), createdAt: timestamp })
  .meta({ id: 'Tenant' });
const toTenantJson = (t: TenantRow) => ({ id: t.id, name: t.name, createdAt: toIso(t.created_at) });

export function tenantsRoutes(tenants: TenantsService) {
  return async (app: App) => {
    app.post(
      '/v1/tenants',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['tenants'],
          summary: 'Create a tenant with its first full-scope API key',
          body: z.strictObject({ name: z.string().trim().min(1).max(200) }),
          response: {
            201: tenantSchema.extend({ apiKey: z.string().describe('Shown once: store it now.') }),
            ...authErrors,
          },
        },
      },
      async (request, reply) => {
        const { tenant, apiKey } = await tenants.create(request.body.name);
        return reply.code(201).send({ ...toTenantJson(tenant), apiKey });
      },
    );

    app.get(
      '/v1/tenants',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['tenants'],
          summary: 'List tenants, newest first',
          querystring: z.object(paginationQuery),
          response: {
            200: z.object({ items: z.array(tenantSchema), nextCursor: z.string().nullable() }),
            ...authErrors,
          },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const page = toPage(await tenants.list(limit, cursor ? decodeCursor(cursor) : undefined), limit);
        return { items: page.items.map(toTenantJson), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/v1/tenants/:tenantId',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['tenants'],
          summary: 'Get a tenant',
          params: z.object({ tenantId: z.string().max(64) }),
          response: { 200: tenantSchema, ...withNotFound },
        },
      },
      async (request) => toTenantJson(await tenants.get(request.params.tenantId)),
    );
  };
}
