import type { Db } from '../db/database.ts';
import type { CaptureAgentRow, CaptureScheduleRow } from '../db/schema.ts';

/** Capture agents of a tenant and the recordings scheduled on them. */
export class CaptureAgentsRepository {
  constructor(private readonly db: Db) {}

  async create(row: CaptureAgentRow): Promise<CaptureAgentRow> {
    await this.db.insertInto('capture_agents').values(row).execute();
    return row;
  }

  get(tenantId: string, id: string): Promise<CaptureAgentRow | undefined> {
    return this.db
      .selectFrom('capture_agents')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  list(tenantId: string): Promise<CaptureAgentRow[]> {
    return this.db
      .selectFrom('capture_agents')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async seen(tenantId: string, id: string, now: number, version: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('capture_agents')
      .set({ last_seen_at: now, agent_version: version })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async createSchedule(row: CaptureScheduleRow): Promise<CaptureScheduleRow> {
    await this.db.insertInto('capture_schedules').values(row).execute();
    return row;
  }

  /** An agent's schedules that have not ended by `now`, soonest first. */
  upcoming(tenantId: string, agentId: string, now: number, limit: number): Promise<CaptureScheduleRow[]> {
    return this.db
      .selectFrom('capture_schedules')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('agent_id', '=', agentId)
      .where((eb) => eb(eb('starts_at', '+', eb('duration_seconds', '*', 1000)), '>', now))
      .orderBy('starts_at')
      .limit(limit)
      .execute();
  }
}
