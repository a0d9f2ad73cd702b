import { sql, type RawBuilder } from 'kysely';
import type { Db, Dialect } from '../db/database.ts';

/** Epoch milliseconds by the database's clock: every process compares leases on one clock. */
function databaseNowMs(dialect: Dialect): RawBuilder<number> {
  switch (dialect) {
    case 'postgres':
      return sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;
    case 'sqlite':
      return sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
  }
}

/** What a holder learns when it renews its lease. */
export interface LeaseState {
  /** Another request asked for the lock. */
  releaseRequested: boolean;
}

/** Leases on tus uploads, one holder per upload across every API process. */
export class UploadLocksRepository {
  private readonly now: RawBuilder<number>;

  constructor(
    private readonly db: Db,
    dialect: Dialect,
  ) {
    this.now = databaseNowMs(dialect);
  }

  /** Takes the lock when nobody holds it or the holder's lease ran out; true when `owner` has it now. */
  async tryAcquire(uploadId: string, owner: string, leaseMs: number): Promise<boolean> {
    const row = await this.db
      .insertInto('upload_locks')
      .values({ upload_id: uploadId, owner, expires_at: sql<number>`${this.now} + ${leaseMs}` })
      .onConflict((oc) =>
        oc
          .column('upload_id')
          .doUpdateSet({
            owner: (eb) => eb.ref('excluded.owner'),
            expires_at: (eb) => eb.ref('excluded.expires_at'),
            release_requested: 0,
          })
          .where('upload_locks.expires_at', '<', this.now),
      )
      .returning('owner')
      .executeTakeFirst();
    return row?.owner === owner;
  }

  /** Extends the holder's lease; undefined when it lost the lock (it expired and another took it). */
  async renew(uploadId: string, owner: string, leaseMs: number): Promise<LeaseState | undefined> {
    const row = await this.db
      .updateTable('upload_locks')
      .set({ expires_at: sql<number>`${this.now} + ${leaseMs}` })
      .where('upload_id', '=', uploadId)
      .where('owner', '=', owner)
      .returning('release_requested')
      .executeTakeFirst();
    return row && { releaseRequested: row.release_requested !== 0 };
  }

  /** Asks whoever else holds the lock to let go (they see it when they next renew). */
  async requestRelease(uploadId: string, requester: string): Promise<void> {
    await this.db
      .updateTable('upload_locks')
      .set({ release_requested: 1 })
      .where('upload_id', '=', uploadId)
      .where('owner', '<>', requester)
      .where('release_requested', '=', 0)
      .execute();
  }

  async release(uploadId: string, owner: string): Promise<void> {
    await this.db
      .deleteFrom('upload_locks')
      .where('upload_id', '=', uploadId)
      .where('owner', '=', owner)
      .execute();
  }
}
