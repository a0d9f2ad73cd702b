import type { CaptureAgentRow, CaptureScheduleRow } from '../db/schema.ts';
import { ApiError, notFound } from '../http/problem.ts';
import { newId } from '../lib/ids.ts';
import type { Repositories } from '../repositories/repositories.ts';

/** An agent that sent no heartbeat for this long is shown offline. */
export const AGENT_OFFLINE_AFTER_MS = 60_000;

/** Schedules further ahead than this are not handed to agents yet. */
const SCHEDULES_SENT = 50;

export interface NewSchedule {
  agentId: string;
  title: string;
  startsAt: string;
  durationSeconds: number;
  source?: string | undefined;
}

/** Capture agents (kino-capture) of a tenant: they register, beat, and take their schedules. */
export class CaptureAgentsService {
  constructor(private readonly deps: { repos: Pick<Repositories, 'captureAgents'>; now?: () => number }) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  create(tenantId: string, name: string): Promise<CaptureAgentRow> {
    const now = this.now();
    return this.deps.repos.captureAgents.create({
      id: newId('cag', now),
      tenant_id: tenantId,
      name,
      created_at: now,
      last_seen_at: null,
      agent_version: null,
    });
  }

  list(tenantId: string): Promise<CaptureAgentRow[]> {
    return this.deps.repos.captureAgents.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<CaptureAgentRow> {
    const agent = await this.deps.repos.captureAgents.get(tenantId, id);
    if (!agent) throw notFound('capture agent');
    return agent;
  }

  /** The agent is alive: it gets its schedules that have not ended, soonest first. */
  async heartbeat(
    tenantId: string,
    id: string,
    version: string | null,
  ): Promise<{ agent: CaptureAgentRow; schedules: CaptureScheduleRow[] }> {
    const now = this.now();
    if (!(await this.deps.repos.captureAgents.seen(tenantId, id, now, version)))
      throw notFound('capture agent');
    return {
      agent: await this.get(tenantId, id),
      schedules: await this.deps.repos.captureAgents.upcoming(tenantId, id, now, SCHEDULES_SENT),
    };
  }

  async upcoming(tenantId: string, agentId: string): Promise<CaptureScheduleRow[]> {
    return this.deps.repos.captureAgents.upcoming(tenantId, agentId, this.now(), SCHEDULES_SENT);
  }

  async createSchedule(tenantId: string, input: NewSchedule): Promise<CaptureScheduleRow> {
    await this.get(tenantId, input.agentId);
    const startsAt = Date.parse(input.startsAt);
    if (!Number.isFinite(startsAt))
      throw new ApiError('invalid_request', 'startsAt must be an ISO 8601 time');
    return this.deps.repos.captureAgents.createSchedule({
      id: newId('csc', this.now()),
      tenant_id: tenantId,
      agent_id: input.agentId,
      title: input.title,
      starts_at: startsAt,
      duration_seconds: input.durationSeconds,
      source: input.source ?? null,
      created_at: this.now(),
    });
  }

  statusOf(agent: CaptureAgentRow): 'online' | 'offline' | 'never-seen' {
    if (agent.last_seen_at === null) return 'never-seen';
    return this.now() - agent.last_seen_at <= AGENT_OFFLINE_AFTER_MS ? 'online' : 'offline';
  }
}
