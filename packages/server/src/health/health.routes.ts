import { z } from 'zod';
import type { HttpMetrics } from '../http/metrics.ts';
import type { App } from '../http/types.ts';
import { runReadiness, type ReadinessCheck } from './readiness.ts';

const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional(), ms: z.number() })),
});

export function healthRoutes(deps: { checks: readonly ReadinessCheck[]; metrics: HttpMetrics }) {
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
        schema: { tags: ['health'], summary: 'Prometheus metrics', security: [] },
      },
      async (_request, reply) =>
        reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
    );
  };
}
