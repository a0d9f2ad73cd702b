import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { HttpMetrics } from '../http/metrics.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { runReadiness, type ReadinessCheck } from './readiness.ts';

const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional(), ms: z.number() })),
});

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** Whether an Authorization header carries `token` as a bearer token; in constant time. */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(sha256(presented), sha256(token));
}

/**
 * /healthz and /readyz for load balancers, and /metrics for Prometheus: open to all, or with
 * `metricsToken` (KINO_METRICS_TOKEN) only to `Authorization: Bearer <token>`.
 */
export function healthRoutes(deps: {
  checks: readonly ReadinessCheck[];
  metrics: HttpMetrics;
  metricsToken?: string | undefined;
}) {
  const { metricsToken } = deps;
  return async (app: App) => {
    app.get(
      '/healthz',
      {
        config: { access: 'public' },
        schema: {
          tags: ['health'],
          summary: 'The process is alive',
          security: [],
          response: { 200: z.object({ status: z.literal('ok') }) },
        },
      },
      () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        config: { access: 'public' },
        schema: {
          tags: ['health'],
          summary: 'Database, storage and ffmpeg are reachable',
          security: [],
          response: { 200: readinessSchema, 503: readinessSchema },
        },
      },
      async (_request, reply) => {
        const report = await runReadiness(deps.checks);
        return reply
          .code(report.ready ? 200 : 503)
          .send({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks });
      },
    );

    app.get(
      '/metrics',
      {
        config: { access: 'public' },
        schema: {
          tags: ['health'],
          summary: 'Prometheus metrics (with KINO_METRICS_TOKEN set, only for that bearer token)',
          security: metricsToken === undefined ? [] : [{ apiKey: [] }],
        },
      },
      async (request, reply) => {
        if (metricsToken !== undefined && !bearerMatches(request.headers.authorization, metricsToken)) {
          reply.header('www-authenticate', 'Bearer');
          throw new ApiError('unauthorized', 'send the metrics token as "Authorization: Bearer <token>"');
        }
        return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
      },
    );
  };
}
