import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {} from '@kino/testkit/global-setup';
import { createDatabase } from '@kino/testkit/postgres';
import { inject } from 'vitest';
import type { DatabaseConfig } from '../src/config/config.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../src/db/database.ts';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof DIALECTS)[number];

/** A fresh, empty database of this dialect: a temporary SQLite file or a new PostgreSQL database. */
export async function freshDatabaseConfig(dialect: TestDialect): Promise<DatabaseConfig> {
  switch (dialect) {
    case 'sqlite': {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-db-'));
      return { kind: 'sqlite', file: path.join(dir, 'kino.sqlite') };
    }
    case 'postgres':
      return { kind: 'postgres', url: await createDatabase(inject('postgresUrl'), 'kino') };
  }
}

/** A migrated, empty database of this dialect. */
export async function openTestDatabase(dialect: TestDialect): Promise<DatabaseHandle> {
  const handle = openDatabase(await freshDatabaseConfig(dialect));
  await migrateToLatest(handle.db);
  return handle;
}
