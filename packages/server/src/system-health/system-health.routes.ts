import { z } from 'zod';
import { authErrors, timestamp } from '../http/common-schemas.ts';
import type { App } from '../http/types.ts';
import type { SystemHealthService } from './system-health.service.ts';

const reachability = z.object({
  ok: z.boolean(),
  latencyMs: z.number(),
  error: z.string().optional(),
});

const systemHealthSchema = z
  .object({
    database: reachability,
    storage: reachability,
    ffmpeg: z
      .object({ ok: z.boolean(), version: z.string().optional() })
      .describe('Whether the process that answered can run ffmpeg (API-only processes may not)'),
    workers: z
      .array(
        z.object({
          id: z.string(),
          host: z.string(),
          pid: z.number().int(),
          roles: z.array(z.string()),
          startedAt: timestamp,
          lastSeenAt: timestamp,
          runningJobs: z.number().int(),
          alive: z.boolean().describe('Seen in the last 30 seconds'),
        }),
      )
      .describe('Worker processes seen in the last hour that have not stopped, most recent first'),
    queue: z.object({
      waiting: z.number().int(),
      running: z.number().int(),
      retrying: z.number().int(),
      dead: z.number().int(),
      oldestWaitingAt: timestamp.nullable(),
      oldestWaitingAgeSeconds: z.number().nullable(),
    }),
    failuresLastHour: z
      .number()
      .int()
      .describe('Jobs that failed an attempt in the last hour and have not succeeded since'),
    disk: z
      .object({ freeBytes: z.number(), floorBytes: z.number() })
      .nullable()
      .describe(
        "Free space of the data folder's disk on the process that answered; low_disk warns below the floor",
      ),
    warnings: z.array(
      z.object({
        code: z.enum([
          'no_workers',
          'stale_queue',
          'database_unreachable',
          'storage_unreachable',
          'low_disk',
        ]),
        message: z.string(),
      }),
    ),
    checkedAt: timestamp,
    checkedBy: z.string().describe('Host name of the process that answered'),
  })
  .meta({ id: 'SystemHealth' });

/** The operator console's system health: workers, queue, failures, database and storage. */
export function systemHealthRoutes(health: SystemHealthService) {
  return async (app: App) => {
    app.get(
      '/v1/system/health',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['system'],
          summary: 'Workers seen, queue depth, recent failures, and whether the database and storage answer',
          response: { 200: systemHealthSchema, ...authErrors },
        },
      },
      () => health.report(),
    );
  };
}
