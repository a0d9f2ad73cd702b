import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { cachingStatements } from './statement-cache.ts';

describe('cachingStatements', () => {
  const opened: Kysely<unknown>[] = [];
  const open = () => {
    const raw = new SQLite(':memory:');
    let prepared = 0;
    const counting = {
      close: () => raw.close(),
      prepare: (text: string) => {
        prepared += 1;
        return raw.prepare(text);
      },
    };
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: cachingStatements(counting) }) });
    opened.push(db);
    return { db, prepared: () => prepared };
  };
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.destroy();
  });

  it('prepares a text once and runs it with each call’s parameters', async () => {
    const { db, prepared } = open();
    await sql`create table t (id integer primary key, name text)`.execute(db);
    for (const name of ['a', 'b', 'c']) await sql`insert into t (name) values (${name})`.execute(db);
    const names = [];
    for (const id of [1, 2, 3]) {
      const { rows } = await sql<{ name: string }>`select name from t where id = ${id}`.execute(db);
      names.push(rows[0]?.name);
    }
    expect(names).toEqual(['a', 'b', 'c']);
    expect(prepared()).toBe(3);
  });

  it('keeps working after the schema changes under a cached statement', async () => {
    const { db } = open();
    await sql`create table t (id integer primary key, name text)`.execute(db);
    await sql`insert into t (name) values (${'a'})`.execute(db);
    const read = () => sql<{ id: number; name: string }>`select * from t`.execute(db);
    expect((await read()).rows).toEqual([{ id: 1, name: 'a' }]);
    await sql`alter table t add column size integer`.execute(db);
    expect((await read()).rows).toEqual([{ id: 1, name: 'a', size: null }]);
  });

  it('lets a stream stop early and the same text run again', async () => {
    const { db } = open();
    await sql`create table t (id integer primary key)`.execute(db);
    for (let i = 0; i < 5; i++) await sql`insert into t default values`.execute(db);
    const typed = db as unknown as Kysely<{ t: { id: number } }>;
    const query = () => typed.selectFrom('t').select('id').orderBy('id');
    for await (const row of query().stream()) {
      expect(row.id).toBe(1);
      break;
    }
    expect(await query().execute()).toHaveLength(5);
  });
});
