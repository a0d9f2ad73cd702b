import { sql } from 'kysely';
import type { Db, Dialect } from '../db/database.ts';
import type { BackupSecrets } from './backup-secrets.ts';

type SigningKeyRow = BackupSecrets['signingKeys'][number];

/** The SQL a backup and a restore run: snapshots, emptiness, the schema level and the secrets' rows. */
export class BackupDatabaseRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  /** SQLite: writes a consistent copy of the whole database to `file` (which must not exist). */
  async vacuumInto(file: string): Promise<void> {
    await sql`VACUUM INTO ${file}`.execute(this.db);
  }

  /** True when the database holds no table at all (a restore writes only into such a one). */
  async isEmpty(): Promise<boolean> {
    const result =
      this.dialect === 'sqlite'
        ? await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table'`.execute(
            this.db,
          )
        : await sql<{ n: number }>`select count(*)::int as n from information_schema.tables
            where table_schema = current_schema()`.execute(this.db);
    return (result.rows[0]?.n ?? 0) === 0;
  }

  /** The name of the last migration applied. */
  async schemaLevel(): Promise<string> {
    const result = await sql<{
      name: string;
    }>`select name from kysely_migration order by name desc limit 1`.execute(this.db);
    return result.rows[0]?.name ?? '';
  }

  signingKeys(): Promise<SigningKeyRow[]> {
    return this.db.selectFrom('signing_keys').select(['id', 'secret', 'created_at', 'retired_at']).execute();
  }

  /** SQLite snapshot only: removes the playback signing keys and overwrites the pages that held them. */
  async removeSigningKeys(): Promise<void> {
    await sql`PRAGMA secure_delete = ON`.execute(this.db);
    await this.db.deleteFrom('signing_keys').execute();
  }

  async restoreSigningKeys(rows: SigningKeyRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.deleteFrom('signing_keys').execute();
    await this.db.insertInto('signing_keys').values(rows).execute();
  }

  /** SQLite: `ok`, or the problems `PRAGMA integrity_check` found. */
  async integrityCheck(): Promise<string> {
    const result = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(this.db);
    return result.rows.map((r) => r.integrity_check).join('; ');
  }

  /** What a restored database holds, for the report. */
  async counts(): Promise<{ tenants: number; media: number; users: number }> {
    const count = async (table: 'tenants' | 'media' | 'users') => {
      const row = await this.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      return row?.n ?? 0;
    };
    return { tenants: await count('tenants'), media: await count('media'), users: await count('users') };
  }

  /**
   * PostgreSQL: runs `work` inside a repeatable-read transaction whose snapshot is exported, so
   * pg_dump (`--snapshot`) and the reads here see the very same data.
   */
  async withExportedSnapshot<T>(
    work: (snapshot: string, repository: BackupDatabaseRepository) => Promise<T>,
  ): Promise<T> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const result = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx);
        return work(result.rows[0]?.id ?? '', new BackupDatabaseRepository(trx, this.dialect));
      });
  }

  /** PostgreSQL: a fresh, empty database on the same server (the connecting role must be allowed to). */
  async createScratchDatabase(name: string): Promise<void> {
    await sql`create database ${sql.id(name)}`.execute(this.db);
  }

  async dropScratchDatabase(name: string): Promise<void> {
    await sql`drop database if exists ${sql.id(name)}`.execute(this.db);
  }
}
