import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { createRepositories, type Repositories } from '../repositories/repositories.ts';
import type { NewMediaRow } from '../db/schema.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { newId } from '../lib/ids.ts';

const row = (tenantId: string, createdAt: number, extra: Partial<NewMediaRow> = {}): NewMediaRow => ({
  id: newId('med', createdAt),
  tenant_id: tenantId,
  title: '',
  description: '',
  tags: '[]',
  visibility: 'public',
  status: 'waiting',
  duration_seconds: null,
  width: null,
  height: null,
  error_code: null,
  error_message: null,
  created_at: createdAt,
  updated_at: createdAt,
  ...extra,
});

describe.each(DIALECTS)('media lists on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  const tenant = newId('ten');

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    await repos.tenants.create({ id: tenant, name: 't', created_at: 1, updated_at: 1 });
  });
  afterAll(() => handle.close());

  it('page through 1,000 media created in the same millisecond with no duplicate and no gap', async () => {
    const sameMs = 1_700_000_000_123;
    const rows = Array.from({ length: 1000 }, () => row(tenant, sameMs));
    for (let i = 0; i < rows.length; i += 250) {
      await handle.db
        .insertInto('media')
        .values(rows.slice(i, i + 250))
        .execute();
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const after = cursor === null ? undefined : decodeCursor(cursor);
      const page: { items: { id: string }[]; nextCursor: string | null } = toPage(
        await repos.media.list(tenant, { limit: 37, after }),
        37,
      );
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(new Set(seen).size).toBe(1000);
    expect(seen).toHaveLength(1000);
    expect(new Set(seen)).toEqual(new Set(rows.map((r) => r.id)));
    await handle.db.deleteFrom('media').where('tenant_id', '=', tenant).execute();
  });

  it('search ignores case in every script: "Ärger" is found by "ärger", "ÄRGER" and "Ärger"', async () => {
    const hit = await repos.media.create(row(tenant, 10, { title: 'Ärger im Büro', tags: '["Ελληνικά"]' }));
    await repos.media.create(row(tenant, 11, { title: 'Arger' }));
    const described = await repos.media.create(row(tenant, 12, { description: 'ÜBER STRAßE' }));
    const find = async (q: string) =>
      (await repos.media.list(tenant, { limit: 10, search: q })).map((m) => m.id);
    for (const q of ['ärger', 'ÄRGER', 'Ärger', 'im bü']) expect(await find(q), q).toEqual([hit.id]);
    expect(await find('ελληνικά')).toEqual([hit.id]);
    expect(await find('straße')).toEqual([described.id]);
    expect(await find('50%')).toEqual([]);

    // A new title is searched by at once.
    await repos.media.update(tenant, hit.id, { title: 'Ölwechsel' });
    expect(await find('ärger')).toEqual([]);
    expect(await find('ÖLWECHSEL')).toEqual([hit.id]);
  });
});
