import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { createRepositories, type Repositories } from '../repositories/repositories.ts';
import type { NewMediaRow } from '../db/schema.ts';
import { newId } from '../lib/ids.ts';

function mediaRow(tenantId: string, createdAt: number, extra: Partial<NewMediaRow> = {}) {
  return {
    id: newId('med', createdAt),
    tenant_id: tenantId,
    title: '',
    description: '',
    tags: '[]',
    visibility: 'public',
    status: 'waiting',
    playable: 0,
    duration_seconds: null,
    width: null,
    height: null,
    error_code: null,
    error_message: null,
    created_at: createdAt,
    updated_at: createdAt,
    ...extra,
  } satisfies NewMediaRow;
}

describe.each(DIALECTS)('MediaRepository on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  const tenantA = newId('ten');
  const tenantB = newId('ten');

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    for (const id of [tenantA, tenantB])
      await repos.tenants.create({ id, name: id, created_at: 1, updated_at: 1 });
  });
  afterAll(() => handle.close());

  it('creates, reads, updates and deletes within a tenant', async () => {
    const row = await repos.media.create(mediaRow(tenantA, 1000, { title: 'Keynote' }));
    expect(await repos.media.get(tenantA, row.id)).toEqual(row);
    const updated = await repos.media.update(tenantA, row.id, { title: 'Keynote 2026', updated_at: 2000 });
    expect(updated).toMatchObject({ title: 'Keynote 2026', updated_at: 2000, created_at: 1000 });
    expect(await repos.media.delete(tenantA, row.id)).toBe(true);
    expect(await repos.media.get(tenantA, row.id)).toBeUndefined();
    expect(await repos.media.delete(tenantA, row.id)).toBe(false);
  });

  it('writes the search text with the searched fields, even when another write lands in between', async () => {
    const row = await repos.media.create(mediaRow(tenantA, 4000, { title: 'Keynote', description: 'plain' }));
    // A second repository whose first read is followed by another writer's change of the
    // description, before this one's update reaches the database.
    const writer = createRepositories(handle.db, handle.dialect).media;
    const read = writer.get.bind(writer);
    let interfered = false;
    vi.spyOn(writer, 'get').mockImplementation(async (tenantId, id) => {
      const found = await read(tenantId, id);
      if (!interfered) {
        interfered = true;
        await repos.media.update(tenantId, id, { description: 'Zebra crossing' });
      }
      return found;
    });
    const updated = await writer.update(tenantA, row.id, { title: 'Ölwechsel' });
    expect(updated).toMatchObject({ title: 'Ölwechsel', description: 'Zebra crossing' });
    expect(updated?.search_text).toBe('ölwechsel\nzebra crossing\n');
    expect((await repos.media.list(tenantA, { limit: 100, search: 'zebra' })).map((m) => m.id)).toContain(
      row.id,
    );
  });

  it("never reads, changes or deletes another tenant's media", async () => {
    const row = await repos.media.create(mediaRow(tenantA, 3000, { title: 'private to A' }));
    expect(await repos.media.get(tenantB, row.id)).toBeUndefined();
    expect(await repos.media.update(tenantB, row.id, { title: 'hijacked' })).toBeUndefined();
    expect(await repos.media.delete(tenantB, row.id)).toBe(false);
    expect((await repos.media.list(tenantB, { limit: 100 })).map((m) => m.id)).not.toContain(row.id);
    expect(await repos.media.get(tenantA, row.id)).toMatchObject({ title: 'private to A' });
  });

  it('lists newest first with a keyset that breaks ties on id', async () => {
    const t = newId('ten');
    await repos.tenants.create({ id: t, name: t, created_at: 1, updated_at: 1 });
    // Same millisecond for several rows: the id decides their order.
    const rows = await Promise.all([5, 5, 5, 6, 7].map((ms) => repos.media.create(mediaRow(t, ms))));
    const expected = [...rows]
      .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    const seen: string[] = [];
    let after: { createdAt: number; id: string } | undefined;
    for (;;) {
      const page = await repos.media.list(t, { limit: 2, after });
      seen.push(...page.slice(0, 2).map((r) => r.id));
      const last = page.slice(0, 2).at(-1);
      if (page.length <= 2 || !last) break;
      after = { createdAt: last.created_at, id: last.id };
    }
    expect(seen).toEqual(expected);
  });

  it('filters by status and searches title, description and tags without wildcards leaking', async () => {
    const t = newId('ten');
    await repos.tenants.create({ id: t, name: t, created_at: 1, updated_at: 1 });
    await repos.media.create(mediaRow(t, 10, { title: 'Quarterly Review', status: 'ready' }));
    await repos.media.create(mediaRow(t, 11, { description: 'recorded in the BERLIN office' }));
    await repos.media.create(mediaRow(t, 12, { tags: '["onboarding","hr"]', status: 'errored' }));
    await repos.media.create(mediaRow(t, 13, { title: 'Growth of 50% this year' }));
    await repos.media.create(mediaRow(t, 14, { title: 'Growth of 500 users' }));
    const titles = async (q: Parameters<MediaRepositoryList>[1]) =>
      (await repos.media.list(t, q)).map((m) => m.title || m.description || m.tags);

    expect(await titles({ limit: 10, search: 'quarterly' })).toEqual(['Quarterly Review']);
    expect(await titles({ limit: 10, search: 'berlin' })).toEqual(['recorded in the BERLIN office']);
    expect(await titles({ limit: 10, search: 'onboarding' })).toEqual(['["onboarding","hr"]']);
    expect(await titles({ limit: 10, search: '50%' })).toEqual(['Growth of 50% this year']);
    expect(await titles({ limit: 10, search: '_' })).toEqual([]);
    expect(await titles({ limit: 10, status: 'ready' })).toEqual(['Quarterly Review']);
    expect(await titles({ limit: 10, status: 'errored', search: 'hr' })).toEqual(['["onboarding","hr"]']);
  });
});

type MediaRepositoryList = Repositories['media']['list'];
