import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/databases.ts';
import { formatApiKey, hashSecret, newSecret } from '../api-keys/api-key-secret.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { createRepositories, type Repositories } from '../db/repositories.ts';
import { newId } from '../lib/ids.ts';
import { createAuthenticator } from './authenticator.ts';

const requestWith = (authorization: string) => ({ headers: { authorization } }) as unknown as FastifyRequest;

describe('the authenticator with API keys', () => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  let presented: string;
  let keyId: string;
  let clock = 1_000_000;

  beforeAll(async () => {
    handle = await openTestDatabase('sqlite');
    repos = createRepositories(handle.db, handle.dialect);
    const tenantId = newId('ten');
    await repos.tenants.create({ id: tenantId, name: 'A', created_at: 1, updated_at: 1 });
    const secret = newSecret();
    keyId = newId('key');
    await repos.apiKeys.create({
      id: keyId,
      tenant_id: tenantId,
      name: 'k',
      scope: 'read',
      secret_hash: hashSecret(secret),
      created_at: 1,
      last_used_at: null,
      revoked_at: null,
    });
    presented = formatApiKey(keyId, secret);
  });
  afterAll(() => handle.close());

  it('records a key’s last use to the minute, writing at most once a minute per process', async () => {
    let touches = 0;
    const apiKeys = Object.create(repos.apiKeys) as Repositories['apiKeys'];
    apiKeys.touch = async (id, now) => {
      touches++;
      await repos.apiKeys.touch(id, now);
    };
    const authenticate = createAuthenticator({ operatorKey: 'op', apiKeys, now: () => clock });

    for (let i = 0; i < 5; i++) {
      expect(await authenticate(requestWith(`Bearer ${presented}`))).toMatchObject({ kind: 'tenant' });
      clock += 1000;
    }
    expect(touches).toBe(1);
    expect((await repos.apiKeys.findActive(keyId))?.last_used_at).toBe(1_000_000);

    clock += 60_000;
    await authenticate(requestWith(`Bearer ${presented}`));
    expect(touches).toBe(2);
    expect((await repos.apiKeys.findActive(keyId))?.last_used_at).toBe(clock);
  });

  it('refuses a revoked key at once, whatever it recorded before', async () => {
    const authenticate = createAuthenticator({ operatorKey: 'op', apiKeys: repos.apiKeys, now: () => clock });
    await authenticate(requestWith(`Bearer ${presented}`));
    const key = await repos.apiKeys.findActive(keyId);
    if (!key) throw new Error('the key is gone');
    await repos.apiKeys.revoke(key.tenant_id, keyId, clock);
    await expect(authenticate(requestWith(`Bearer ${presented}`))).rejects.toMatchObject({
      code: 'invalid_api_key',
    });
  });
});
