import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from './database.ts';
import { migrateToLatest } from './database.ts';

type Shape = Record<string, Record<string, { nullable: boolean; type: string }>>;

// Column types differ in spelling between dialects; what must match is their family.
const family = (t: string) =>
  /int|bigint/i.test(t)
    ? 'integer'
    : /double|real|float/i.test(t)
      ? 'real'
      : /text|char/i.test(t)
        ? 'text'
        : t;

async function shapeOf(handle: DatabaseHandle): Promise<Shape> {
  // Full-text indexes are the one intended difference: SQLite's FTS5 tables (a virtual table and
  // its shadow tables, `*_fts*`) stand for a GIN index on PostgreSQL.
  const tables = (await handle.db.introspection.getTables()).filter((t) => !/_fts(?:_[a-z]+)?$/.test(t.name));
  return Object.fromEntries(
    tables.map((t) => [
      t.name,
      Object.fromEntries(
        t.columns.map((c) => [c.name, { nullable: c.isNullable, type: family(c.dataType) }]),
      ),
    ]),
  );
}

describe('migrations', () => {
  const handles: DatabaseHandle[] = [];
  afterAll(async () => Promise.all(handles.map((h) => h.close())));

  it('give the same schema on SQLite and PostgreSQL', async () => {
    const shapes = [];
    for (const dialect of DIALECTS) {
      const handle = await openTestDatabase(dialect);
      handles.push(handle);
      shapes.push(await shapeOf(handle));
    }
    expect(Object.keys(shapes[0] ?? {})).toEqual(expect.arrayContaining(['tenants', 'api_keys', 'media']));
    expect(shapes[0]).toEqual(shapes[1]);
  });

  it.each(DIALECTS)('are idempotent and safe to run concurrently on %s', async (dialect) => {
    const handle = await openTestDatabase(dialect);
    handles.push(handle);
    const again = await Promise.all([migrateToLatest(handle.db), migrateToLatest(handle.db)]);
    expect(again).toEqual([[], []]);
  });
});
