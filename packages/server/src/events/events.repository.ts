import type { Db } from '../db/database.ts';
import type { EventRow } from '../db/schema.ts';

/** The event outbox. Rows are written in the transaction of the change they announce. */
export class EventsRepository {
  constructor(private readonly db: Db) {}

  async create(row: EventRow): Promise<EventRow> {
    await this.db.insertInto('events').values(row).execute();
    return row;
  }

  get(tenantId: string, id: string): Promise<EventRow | undefined> {
    return this.db
      .selectFrom('events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Marks the event dispatched; false when another dispatcher already did. */
  async markDispatched(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('events')
      .set({ dispatched_at: now })
      .where('id', '=', id)
      .where('dispatched_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Events still waiting for their dispatcher, oldest first. */
  listUndispatched(createdBefore: number, limit: number): Promise<Pick<EventRow, 'id' | 'tenant_id'>[]> {
    return this.db
      .selectFrom('events')
      .select(['id', 'tenant_id'])
      .where('dispatched_at', 'is', null)
      .where('created_at', '<', createdBefore)
      .orderBy('created_at')
      .limit(limit)
      .execute();
  }

  /** Dispatched events older than `before` are history: their deliveries keep the body. */
  async pruneDispatched(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('events')
      .where('dispatched_at', 'is not', null)
      .where('dispatched_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
