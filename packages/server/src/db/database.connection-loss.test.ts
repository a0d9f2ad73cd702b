import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseConfig } from '../../test/databases.ts';
import { openDatabase, type DatabaseHandle } from './database.ts';

describe('a PostgreSQL connection cut while a transaction holds it (a server restart)', () => {
  const handles: DatabaseHandle[] = [];
  afterAll(async () => {
    for (const handle of handles) await handle.close();
  });

  it('fails that transaction without taking the process down, and the next query works', async () => {
    const config = await freshDatabaseConfig('postgres');
    const kino = openDatabase(config);
    const admin = openDatabase(config);
    handles.push(kino, admin);

    const outcome = kino.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      // The server ends this session between two statements, as a restart does to every session.
      await sql`select pg_terminate_backend(${rows[0]?.pid})`.execute(admin.db);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await sql`select 1`.execute(trx);
    });

    await expect(outcome).rejects.toThrow();
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(kino.db);
    expect(rows).toEqual([{ one: 1 }]);
  });
});
