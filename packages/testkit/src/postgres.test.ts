import { existsSync, readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase, startPostgres } from './postgres.ts';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Processes whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    });
}

describe('postgres', () => {
  it('the provided server answers', async () => {
    expect(await query(inject('postgresUrl'), 'select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('createDatabase gives distinct, usable databases', async () => {
    const server = inject('postgresUrl');
    const [a, b] = await Promise.all([createDatabase(server, 'Users Test'), createDatabase(server)]);
    expect(a).not.toBe(b);
    await query(a, 'create table t (x int); insert into t values (1)');
    expect(await query(a, 'select x from t')).toEqual([{ x: 1 }]);
    expect(await query(b, "select to_regclass('t') as t")).toEqual([{ t: null }]);
    const [row] = await query<{ db: string }>(a, 'select current_database() as db');
    expect(row?.db).toMatch(/^users_test_/);
  });

  it('a standalone server stops without leaving a process or its folder behind', async () => {
    const server = await startPostgres();
    const url = await server.createDatabase();
    const [row] = await query<{ dir: string }>(url, "select current_setting('data_directory') as dir");
    const dir = row?.dir ?? '';
    expect(processesMentioning(dir)).not.toEqual([]);
    await server.stop();
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    await expect(query(server.url, 'select 1')).rejects.toThrow();
  });
});
