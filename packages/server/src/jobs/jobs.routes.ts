import { z } from 'zod';
import type { JobRow } from '../db/schema.ts';
import { tenantScopeOf } from '../http/access.ts';
import { paginationQuery, timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import { notFound, problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobCatalog } from './job-registry.ts';
import type { JobsRepository } from './jobs.repository.ts';

const jobStateSchema = z.enum(['available', 'running', 'retrying', 'succeeded', 'dead', 'cancelled']);

const jobSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    tenantId: z.string().nullable(),
    state: jobStateSchema,
    priority: z.number().int(),
    attempt: z.number().int(),
    maxAttempts: z.number().int(),
    runAt: timestamp,
    progress: z.object({ percent: z.number(), message: z.string().nullable() }).nullable(),
    lastError: z.string().nullable(),
    parentId: z.string().nullable(),
    pendingChildren: z.number().int(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: 'Job' });

const orNull = (ms: number | null) => (ms === null ? null : toIso(ms));

export function toJobJson(job: JobRow): z.infer<typeof jobSchema> {
  return {
    id: job.id,
    type: job.type,
    tenantId: job.tenant_id,
    state: job.state,
    priority: job.priority,
    attempt: job.attempt,
    maxAttempts: job.max_attempts,
    runAt: toIso(job.run_at),
    progress:
      job.progress_percent === null ? null : { percent: job.progress_percent, message: job.progress_message },
    lastError: job.last_error,
    parentId: job.parent_id,
    pendingChildren: job.pending_children,
    createdAt: toIso(job.created_at),
    startedAt: orNull(job.started_at),
    finishedAt: orNull(job.finished_at),
  };
}

const idParams = z.object({ id: z.string().max(64) });
const errors = { ...withNotFound, 409: problemSchema };

/** The operator sees and steers every tenant's jobs; a full tenant key, its own tenant's. */
export function jobsRoutes(deps: { queue: JobQueue<JobCatalog>; jobs: JobsRepository }) {
  const access = { operatorOr: 'jobs:manage' } as const;
  return async (app: App) => {
    app.get(
      '/v1/jobs',
      {
        config: { access },
        schema: {
          tags: ['jobs'],
          summary: 'List background jobs, newest first',
          querystring: z.object({
            ...paginationQuery,
            state: jobStateSchema.optional(),
            type: z.string().max(100).optional(),
            tenant: z.string().max(64).optional().describe('Operator only: one tenant'),
          }),
          response: {
            200: z.object({ items: z.array(jobSchema), nextCursor: z.string().nullable() }),
            ...errors,
          },
        },
      },
      async (request) => {
        const { limit, cursor, state, type, tenant } = request.query;
        const tenantId = tenantScopeOf(request) ?? tenant;
        const rows = await deps.jobs.list({
          limit,
          state,
          type,
          tenantId,
          after: cursor ? decodeCursor(cursor) : undefined,
        });
        const page = toPage(rows, limit);
        return { items: page.items.map(toJobJson), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/v1/jobs/:id',
      {
        config: { access },
        schema: {
          tags: ['jobs'],
          summary: 'Get a job',
          params: idParams,
          response: { 200: jobSchema, ...errors },
        },
      },
      async (request) => {
        const job = await deps.jobs.get(request.params.id, tenantScopeOf(request));
        if (!job) throw notFound('job');
        return toJobJson(job);
      },
    );

    app.post(
      '/v1/jobs/:id/retry',
      {
        config: { access },
        schema: {
          tags: ['jobs'],
          summary: 'Run a dead or cancelled job again',
          params: idParams,
          response: { 200: jobSchema, ...errors },
        },
      },
      async (request) => toJobJson(await deps.queue.retry(request.params.id, tenantScopeOf(request))),
    );

    app.post(
      '/v1/jobs/:id/cancel',
      {
        config: { access },
        schema: {
          tags: ['jobs'],
          summary: 'Cancel a job; a running one is stopped (its ffmpeg killed) at its next heartbeat',
          params: idParams,
          response: { 200: jobSchema, ...errors },
        },
      },
      async (request) => toJobJson(await deps.queue.cancel(request.params.id, tenantScopeOf(request))),
    );
  };
}
