import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { preparingPool } from './prepared-statements.ts';
import { cachingStatements } from './statement-cache.ts';
import type { DatabaseConfig } from '../config/config.ts';
import { migrationProvider } from './migrations/index.ts';
import { SqliteDialectWithMigrationLock } from './sqlite-migration-lock.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Dialect = DatabaseConfig['kind'];

// int8 (bigint) columns hold epoch milliseconds and counts, all far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface DatabaseHandle {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

/**
 * Opens the configured database: an embedded SQLite file, or a PostgreSQL pool.
 *
 * @example const { db, close } = openDatabase({ kind: 'sqlite', file: './data/kino.sqlite' });
 */
export function openDatabase(config: DatabaseConfig, opts: { poolSize?: number } = {}): DatabaseHandle {
  switch (config.kind) {
    case 'sqlite': {
      if (config.file !== ':memory:') fs.mkdirSync(path.dirname(config.file), { recursive: true });
      const sqlite = new SQLite(config.file);
      // WAL lets readers run beside the single writer; the busy timeout makes concurrent writers
      // (several processes on one file) wait instead of failing with SQLITE_BUSY.
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('busy_timeout = 5000');
      const db = new Kysely<Database>({
        dialect: new SqliteDialectWithMigrationLock({ database: cachingStatements(sqlite) }),
      });
      return { db, dialect: 'sqlite', close: () => db.destroy() };
    }
    case 'postgres': {
      const pool = new pg.Pool({ connectionString: config.url, max: opts.poolSize ?? 10 });
      // An idle client losing its connection must not crash the process; the pool replaces it.
      pool.on('error', () => undefined);
      // Nor may one that is checked out (between the statements of a transaction) when the server
      // restarts: pg-pool listens only while a client is idle. The statement fails instead, and the
      // pool drops the client when it is released.
      pool.on('connect', (client) => {
        client.on('error', () => undefined);
      });
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
      return { db, dialect: 'postgres', close: () => db.destroy() };
    }
  }
}

/** Brings the schema to the latest version; safe to run at every start and from many processes. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(
      `migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
