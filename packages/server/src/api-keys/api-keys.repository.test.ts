import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { createRepositories, unitOfWork, type Repositories } from '../repositories/repositories.ts';
import type { ApiKeyRow } from '../db/schema.ts';
import { newId } from '../lib/ids.ts';

const keyRow = (tenantId: string, extra: Partial<ApiKeyRow> = {}): ApiKeyRow => ({
  id: newId('key'),
  tenant_id: tenantId,
  name: 'k',
  scope: 'full',
  secret_hash: 'ab'.repeat(32),
  created_at: 1,
  last_used_at: null,
  revoked_at: null,
  ...extra,
});

describe.each(DIALECTS)('ApiKeysRepository and TenantsRepository on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  const tenantA = newId('ten');
  const tenantB = newId('ten');

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    await repos.tenants.create({ id: tenantA, name: 'A', created_at: 1, updated_at: 1 });
    await repos.tenants.create({ id: tenantB, name: 'B', created_at: 2, updated_at: 2 });
  });
  afterAll(() => handle.close());

  it('finds active keys only, and revokes only within the owning tenant', async () => {
    const key = await repos.apiKeys.create(keyRow(tenantA, { scope: 'read' }));
    expect(await repos.apiKeys.findActive(key.id)).toEqual(key);
    expect(await repos.apiKeys.revoke(tenantB, key.id, 50)).toBe(false);
    expect(await repos.apiKeys.findActive(key.id)).toBeDefined();
    expect(await repos.apiKeys.revoke(tenantA, key.id, 50)).toBe(true);
    expect(await repos.apiKeys.findActive(key.id)).toBeUndefined();
    expect((await repos.apiKeys.getForTenant(tenantA, key.id))?.revoked_at).toBe(50);
    expect(await repos.apiKeys.revoke(tenantA, key.id, 60)).toBe(true);
    expect((await repos.apiKeys.getForTenant(tenantA, key.id))?.revoked_at).toBe(50);
  });

  it('lists keys per tenant', async () => {
    const b = await repos.apiKeys.create(keyRow(tenantB));
    expect((await repos.apiKeys.listForTenant(tenantB)).map((k) => k.id)).toEqual([b.id]);
    expect((await repos.apiKeys.listForTenant(tenantA)).map((k) => k.id)).not.toContain(b.id);
  });

  it('records use at most once a minute', async () => {
    const key = await repos.apiKeys.create(keyRow(tenantA));
    await repos.apiKeys.touch(key.id, 100_000);
    await repos.apiKeys.touch(key.id, 130_000);
    expect((await repos.apiKeys.findActive(key.id))?.last_used_at).toBe(100_000);
    await repos.apiKeys.touch(key.id, 200_000);
    expect((await repos.apiKeys.findActive(key.id))?.last_used_at).toBe(200_000);
  });

  it('rolls back every write of a failed unit of work', async () => {
    const id = newId('ten');
    await expect(
      unitOfWork(handle)(async (tx) => {
        await tx.tenants.create({ id, name: 'half', created_at: 3, updated_at: 3 });
        await tx.apiKeys.create(keyRow(id));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await repos.tenants.get(id)).toBeUndefined();
  });

  it('refuses a key for a tenant that does not exist', async () => {
    await expect(repos.apiKeys.create(keyRow(newId('ten')))).rejects.toThrow();
  });

  it('lists tenants newest first after a position', async () => {
    const all = await repos.tenants.list(10);
    expect(all.map((t) => t.name).slice(-2)).toEqual(['B', 'A']);
    const afterB = await repos.tenants.list(10, { createdAt: 2, id: tenantB });
    expect(afterB.map((t) => t.id)).toEqual([tenantA]);
  });
});
