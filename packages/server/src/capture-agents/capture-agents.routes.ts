import { z } from 'zod';
import type { CaptureAgentRow, CaptureScheduleRow } from '../db/schema.ts';
import { tenantOf } from '../http/access.ts';
import { timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import type { App } from '../http/types.ts';
import type { CaptureAgentsService } from './capture-agents.service.ts';

export const scheduleSchema = z
  .object({
    id: z.string(),
    agentId: z.string(),
    title: z.string(),
    startsAt: timestamp,
    durationSeconds: z.number().int(),
    source: z.string().nullable().describe('The ffmpeg input to record; null: the agent’s own --source'),
    createdAt: timestamp,
  })
  .meta({ id: 'CaptureSchedule' });

export const agentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['online', 'offline', 'never-seen']),
    lastSeenAt: timestamp.nullable(),
    version: z.string().nullable(),
    nextSchedules: z.array(scheduleSchema),
    createdAt: timestamp,
  })
  .meta({ id: 'CaptureAgent' });

const idParams = z.object({ agentId: z.string().max(64) });

function toScheduleJson(row: CaptureScheduleRow) {
  return {
    id: row.id,
    agentId: row.agent_id,
    title: row.title,
    startsAt: toIso(row.starts_at),
    durationSeconds: row.duration_seconds,
    source: row.source,
    createdAt: toIso(row.created_at),
  };
}

/**
 * Capture agents (`kino-capture run`) and their scheduled recordings. An agent registers itself
 * with an upload key, beats every few seconds and takes its schedules with each beat, keeping them
 * so that they run while the server is away.
 */
export function captureAgentsRoutes(agents: CaptureAgentsService) {
  const toAgentJson = (row: CaptureAgentRow, schedules: CaptureScheduleRow[]) => ({
    id: row.id,
    name: row.name,
    status: agents.statusOf(row),
    lastSeenAt: row.last_seen_at === null ? null : toIso(row.last_seen_at),
    version: row.agent_version,
    nextSchedules: schedules.map(toScheduleJson),
    createdAt: toIso(row.created_at),
  });
  return async (app: App) => {
    const tags = ['capture agents'];
    app.post(
      '/v1/capture-agents',
      {
        config: { access: 'upload' },
        schema: {
          tags,
          summary: 'Register a capture agent (kino-capture does on its first run)',
          body: z.strictObject({ name: z.string().trim().min(1).max(200) }),
          response: { 201: agentSchema, ...withNotFound },
        },
      },
      async (request, reply) => {
        const row = await agents.create(tenantOf(request), request.body.name);
        return reply.code(201).send(toAgentJson(row, []));
      },
    );
    app.get(
      '/v1/capture-agents',
      {
        config: { access: 'media:read' },
        schema: {
          tags,
          summary: 'The capture agents, when each was last seen and its next recordings',
          response: { 200: z.object({ items: z.array(agentSchema) }), ...withNotFound },
        },
      },
      async (request) => {
        const tenantId = tenantOf(request);
        const rows = await agents.list(tenantId);
        return {
          items: await Promise.all(
            rows.map(async (r) => toAgentJson(r, await agents.upcoming(tenantId, r.id))),
          ),
        };
      },
    );
    app.post(
      '/v1/capture-agents/:agentId/heartbeat',
      {
        config: { access: 'upload' },
        schema: {
          tags,
          summary: 'An agent is alive; answers its schedules that have not ended',
          params: idParams,
          body: z.strictObject({ version: z.string().max(100).optional() }).optional(),
          response: { 200: agentSchema, ...withNotFound },
        },
      },
      async (request) => {
        const { agent, schedules } = await agents.heartbeat(
          tenantOf(request),
          request.params.agentId,
          request.body?.version ?? null,
        );
        return toAgentJson(agent, schedules);
      },
    );
    app.post(
      '/v1/capture-schedules',
      {
        config: { access: 'media:write' },
        schema: {
          tags,
          summary: 'Schedule a recording on a capture agent',
          body: z.strictObject({
            agentId: z.string().max(64),
            title: z.string().trim().min(1).max(500),
            startsAt: timestamp,
            durationSeconds: z
              .number()
              .int()
              .min(1)
              .max(24 * 3600),
            source: z.string().max(2000).optional(),
          }),
          response: { 201: scheduleSchema, ...withNotFound },
        },
      },
      async (request, reply) => {
        const row = await agents.createSchedule(tenantOf(request), request.body);
        return reply.code(201).send(toScheduleJson(row));
      },
    );
  };
}
