import type { Updateable } from 'kysely';
import type { Db } from '../db/database.ts';
import { olderThan, type Cursor } from '../db/keyset.ts';
import type { LiveStreamRow, LiveStreamsTable } from '../db/schema.ts';

/** Live streams. Tenant routes name the tenant; the ingest side finds a stream by its id alone. */
export class LiveStreamsRepository {
  constructor(private readonly db: Db) {}

  async create(row: LiveStreamRow): Promise<LiveStreamRow> {
    await this.db.insertInto('live_streams').values(row).execute();
    return row;
  }

  get(tenantId: string, id: string): Promise<LiveStreamRow | undefined> {
    return this.db
      .selectFrom('live_streams')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** For the ingest (which checks the key itself) and the /play/live routes (which check tokens). */
  getById(id: string): Promise<LiveStreamRow | undefined> {
    return this.db.selectFrom('live_streams').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; limit + 1 rows so the caller knows whether another page exists. */
  list(tenantId: string, limit: number, after?: Cursor): Promise<LiveStreamRow[]> {
    let q = this.db.selectFrom('live_streams').selectAll().where('tenant_id', '=', tenantId);
    if (after) q = q.where(olderThan(after));
    return q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
  }

  async update(
    tenantId: string,
    id: string,
    changes: Updateable<LiveStreamsTable>,
  ): Promise<LiveStreamRow | undefined> {
    await this.db
      .updateTable('live_streams')
      .set(changes)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
    return this.get(tenantId, id);
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('live_streams')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /**
   * Takes the stream for a publisher in one conditional write, so two publishers never both win:
   * an enabled stream that is idle, reconnecting, or active under an owner silent since `staleBefore`
   * (its process died). Undefined when another publisher holds it or it is disabled.
   */
  claim(id: string, owner: string, now: number, staleBefore: number): Promise<LiveStreamRow | undefined> {
    return this.db
      .updateTable('live_streams')
      .set({ status: 'active', owner, owner_seen_at: now, reconnect_deadline: null, updated_at: now })
      .where('id', '=', id)
      .where('enabled', '=', 1)
      .where((eb) => eb.or([eb('status', '!=', 'active'), eb('owner_seen_at', '<', staleBefore)]))
      .returningAll()
      .executeTakeFirst();
  }

  /** The owner is alive and still carries these streams; returns the ones it still holds. */
  async heartbeat(owner: string, ids: readonly string[], now: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable('live_streams')
      .set({ owner_seen_at: now })
      .where('owner', '=', owner)
      .where('status', '=', 'active')
      .where('enabled', '=', 1)
      .where('id', 'in', ids)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  /** The owner's publisher left: the broadcast waits for a reconnect until `deadline`. */
  release(id: string, owner: string, deadline: number, now: number): Promise<LiveStreamRow | undefined> {
    return this.db
      .updateTable('live_streams')
      .set({ status: 'reconnecting', owner: null, reconnect_deadline: deadline, updated_at: now })
      .where('id', '=', id)
      .where('owner', '=', owner)
      .where('status', '=', 'active')
      .returningAll()
      .executeTakeFirst();
  }

  /** Active streams whose owner has been silent since `staleBefore`: their process died. */
  listOrphaned(staleBefore: number): Promise<LiveStreamRow[]> {
    return this.db
      .selectFrom('live_streams')
      .selectAll()
      .where('status', '=', 'active')
      .where('owner_seen_at', '<', staleBefore)
      .execute();
  }

  /** A dead owner's broadcast waits for its publisher like any dropped one (a restart is a reconnect). */
  orphanToReconnecting(
    row: LiveStreamRow,
    deadline: number,
    now: number,
  ): Promise<LiveStreamRow | undefined> {
    return this.db
      .updateTable('live_streams')
      .set({ status: 'reconnecting', owner: null, reconnect_deadline: deadline, updated_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'active')
      .where('owner_seen_at', '=', row.owner_seen_at)
      .returningAll()
      .executeTakeFirst();
  }

  /** Reconnecting streams whose window has passed. */
  listExpired(now: number): Promise<LiveStreamRow[]> {
    return this.db
      .selectFrom('live_streams')
      .selectAll()
      .where('status', '=', 'reconnecting')
      .where('reconnect_deadline', '<=', now)
      .execute();
  }

  /**
   * Ends the broadcast `mediaId` (for `complete`, even while active; with `expiredBy`, only if
   * its reconnect window is still open and passed by then: a publisher may have come back since
   * the stream was listed): one caller wins; undefined when another already ended it.
   */
  endBroadcast(
    id: string,
    mediaId: string,
    now: number,
    expiredBy?: number,
  ): Promise<LiveStreamRow | undefined> {
    let q = this.db
      .updateTable('live_streams')
      .set({
        status: 'idle',
        active_media_id: null,
        owner: null,
        reconnect_deadline: null,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('active_media_id', '=', mediaId);
    if (expiredBy !== undefined) {
      q = q.where('status', '=', 'reconnecting').where('reconnect_deadline', '<=', expiredBy);
    }
    return q.returningAll().executeTakeFirst();
  }

  /** The stream's most recent broadcasts (their media ids), newest first. */
  async recentMediaIds(tenantId: string, id: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('media')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('live_stream_id', '=', id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }
}
