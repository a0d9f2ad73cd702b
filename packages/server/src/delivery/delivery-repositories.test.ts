import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { createRepositories, type Repositories } from '../repositories/repositories.ts';
import { newId } from '../lib/ids.ts';
import { NO_RULES } from '../tenants/playback-rules.ts';

describe.each(DIALECTS)('playback repositories on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  const tenant = newId('ten');

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    await repos.tenants.create({ id: tenant, name: 'A', created_at: 1, updated_at: 1 });
  });
  afterAll(() => handle.close());

  it('finds a media for /play by id with what /play needs, again and again', async () => {
    const id = newId('med');
    await repos.media.create({
      id,
      tenant_id: tenant,
      title: 't',
      description: '',
      tags: '[]',
      visibility: 'private',
      status: 'ready',
      duration_seconds: null,
      width: null,
      height: null,
      error_code: null,
      error_message: null,
      created_at: 1,
      updated_at: 1,
    });
    const media = repos.playableMedia;
    for (let i = 0; i < 3; i++) {
      expect(await media.get(id)).toEqual({
        id,
        tenant_id: tenant,
        visibility: 'private',
        playback_prefix: null,
        playback_index: null,
        // The download is named after it.
        title: 't',
        // A broadcast's media plays from its live segments until it has a version.
        live_stream_id: null,
        live_status: null,
      });
    }
    expect(await media.get(newId('med'))).toBeUndefined();
    expect(await media.get("' or 1=1 --")).toBeUndefined();
  });

  it('stores a tenant’s playback rules, replacing them whole', async () => {
    const rules = repos.playbackRules;
    expect(await rules.get(tenant)).toBeUndefined();
    await rules.put(tenant, { ...NO_RULES, ipDeny: ['10.0.0.0/8'] }, 5);
    expect(await rules.get(tenant)).toEqual({ rules: { ...NO_RULES, ipDeny: ['10.0.0.0/8'] }, updatedAt: 5 });
    await rules.put(tenant, { ...NO_RULES, allowedReferrers: ['example.com'] }, 6);
    expect(await rules.get(tenant)).toEqual({
      rules: { ...NO_RULES, allowedReferrers: ['example.com'] },
      updatedAt: 6,
    });
  });

  it('rotates signing keys, keeping retired ones for the tokens they signed', async () => {
    const keys = repos.signingKeys;
    const first = await keys.current(1_000);
    expect(await keys.current(2_000)).toEqual(first);
    const second = await keys.rotate(3_000);
    expect((await keys.current(4_000)).id).toBe(second.id);
    const lifetime = 10_000;
    expect((await keys.verifying(5_000, lifetime)).map((k) => k.id).sort()).toEqual(
      [first.id, second.id].sort(),
    );
    // Once no token it signed can still be valid, a retired key verifies nothing.
    expect((await keys.verifying(3_000 + lifetime + 1, lifetime)).map((k) => k.id)).toEqual([second.id]);
  });
});
