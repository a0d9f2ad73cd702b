import { z } from 'zod';
import type { UnitOfWork } from '../repositories/repositories.ts';
import { withNotFound } from '../http/common-schemas.ts';
import { notFound } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { QuotasRepository } from './quotas.repository.ts';
import { deleteTenant } from './tenant-deletion.ts';

const params = z.object({ tenantId: z.string().max(64) });

const quotasSchema = z
  .object({
    storageBytes: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .describe('Bytes of originals (uploads in progress included) the tenant may keep; null: no quota'),
    minutes: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .describe('Minutes of video the tenant may have processed (each reprocess counts); null: no quota'),
  })
  .meta({ id: 'TenantQuotas' });

const quotasAnswer = quotasSchema.extend({
  used: z.object({ storageBytes: z.number(), minutes: z.number() }),
});

/** The operator's tenant administration beyond creation: quotas, and deleting a tenant whole. */
export function tenantAdminRoutes(deps: {
  transaction: UnitOfWork;
  queue: JobQueue<KinoJobCatalog>;
  quotas: QuotasRepository;
  now?: () => number;
}) {
  const now = () => deps.now?.() ?? Date.now();
  const answer = async (tenantId: string) => {
    const quotas = await deps.quotas.get(tenantId);
    if (!quotas) throw notFound('tenant');
    const used = await deps.quotas.usage(tenantId);
    return {
      ...quotas,
      used: { storageBytes: used.storageBytes, minutes: Math.round(used.processedMinutes * 100) / 100 },
    };
  };

  return async (app: App) => {
    app.delete(
      '/v1/tenants/:tenantId',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['tenants'],
          summary: 'Delete a tenant with all its media, uploads, keys, users and stored files',
          description:
            'The rows go at once; stored files (the tenant’s `media/<tenant>/` folder, originals, ' +
            'partial uploads) are removed by background jobs within seconds, and again two ' +
            'minutes later for what a stopped job was still writing.',
          params,
          response: { 204: z.null(), ...withNotFound },
        },
      },
      async (request, reply) => {
        await deleteTenant(deps.transaction, deps.queue, request.params.tenantId, now());
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/tenants/:tenantId/quotas',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['tenants'],
          summary: 'A tenant’s quotas and what it uses of them',
          params,
          response: { 200: quotasAnswer, ...withNotFound },
        },
      },
      async (request) => answer(request.params.tenantId),
    );

    app.put(
      '/v1/tenants/:tenantId/quotas',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['tenants'],
          summary: 'Set a tenant’s quotas',
          description:
            'Uploads, imports and reprocessing that would go over a quota are refused with 403 ' +
            '`quota_exceeded`. Fields left out keep their value; null removes a quota.',
          params,
          body: quotasSchema.partial().strict(),
          response: { 200: quotasAnswer, ...withNotFound },
        },
      },
      async (request) => {
        if (!(await deps.quotas.set(request.params.tenantId, request.body, now()))) throw notFound('tenant');
        return answer(request.params.tenantId);
      },
    );
  };
}
