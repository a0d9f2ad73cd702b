import { SqliteAdapter, SqliteDialect, sql, type DialectAdapter, type Kysely } from 'kysely';

/**
 * Kysely's SQLite adapter takes no migration lock (it assumes one process per file), so two Kino
 * processes starting on one file could both run a migration and one would fail ("table already
 * exists"). This one holds SQLite's write lock for the whole run: BEGIN IMMEDIATE waits (the
 * connection's busy_timeout) while another process migrates, then reads what it applied.
 */
class LockingSqliteAdapter extends SqliteAdapter {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  override async acquireMigrationLock(db: Kysely<any>): Promise<void> {
    await sql`begin immediate`.execute(db);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  override async releaseMigrationLock(db: Kysely<any>): Promise<void> {
    // Each statement was its own step before: committing keeps what ran, as without the lock.
    await sql`commit`.execute(db);
  }
}

/** SqliteDialect whose migrations run one process at a time. */
export class SqliteDialectWithMigrationLock extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new LockingSqliteAdapter();
  }
}
