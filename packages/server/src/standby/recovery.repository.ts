import { sql } from 'kysely';
import type { Db, Dialect } from '../db/database.ts';

/**
 * Whether the database is a PostgreSQL standby (a streaming replica in recovery), and promoting
 * it. SQLite is never a standby.
 */
export class RecoveryRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  async inRecovery(): Promise<boolean> {
    if (this.dialect !== 'postgres') return false;
    const { rows } = await sql<{ standby: boolean }>`select pg_is_in_recovery() as standby`.execute(this.db);
    return rows[0]?.standby === true;
  }

  /**
   * Asks the standby to become the primary and waits (up to `waitSeconds`) until it has; false
   * when it had not by then. Needs a role allowed to run pg_promote (a superuser by default).
   */
  async promote(waitSeconds: number): Promise<boolean> {
    if (this.dialect !== 'postgres') return false;
    const { rows } = await sql<{
      promoted: boolean;
    }>`select pg_promote(true, ${waitSeconds}) as promoted`.execute(this.db);
    return rows[0]?.promoted === true;
  }

  /** The last write-ahead log position this server has: written on a primary, replayed on a standby. */
  async walPosition(): Promise<string | null> {
    if (this.dialect !== 'postgres') return null;
    const { rows } = await sql<{ lsn: string | null }>`
      select case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end::text as lsn
    `.execute(this.db);
    return rows[0]?.lsn ?? null;
  }
}
