import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/databases.ts';
import { formatApiKey, hashSecret, newSecret } from '../api-keys/api-key-secret.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { createRepositories, type Repositories } from '../repositories/repositories.ts';
import { newId } from '../lib/ids.ts';
import { createAuthenticator } from './authenticator.ts';
import { forgetOnRevoke, VerifiedKeyCache } from './verified-keys.ts';

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

describe('the authenticator with a cache of verified keys', () => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  let tenantId: string;
  let clock = 1_000_000;

  beforeAll(async () => {
    handle = await openTestDatabase('sqlite');
    repos = createRepositories(handle.db, handle.dialect);
    tenantId = newId('ten');
    await repos.tenants.create({ id: tenantId, name: 'A', created_at: 1, updated_at: 1 });
  });
  afterAll(() => handle.close());

  const issueKey = async () => {
    const secret = newSecret();
    const keyId = newId('key');
    await repos.apiKeys.create({
      id: keyId,
      tenant_id: tenantId,
      name: 'k',
      scope: 'upload',
      secret_hash: hashSecret(secret),
      created_at: 1,
      last_used_at: null,
      revoked_at: null,
    });
    return { keyId, presented: formatApiKey(keyId, secret) };
  };

  /** The key repository, counting lookups. */
  const counting = () => {
    const apiKeys = Object.create(repos.apiKeys) as Repositories['apiKeys'] & { lookups: number };
    apiKeys.lookups = 0;
    apiKeys.findActive = async (id) => {
      apiKeys.lookups++;
      return repos.apiKeys.findActive(id);
    };
    return apiKeys;
  };

  it('looks a busy key up once every few seconds, with the same principal each time', async () => {
    const { keyId, presented } = await issueKey();
    const apiKeys = counting();
    const verifiedKeys = new VerifiedKeyCache(5_000, () => clock);
    const authenticate = createAuthenticator({ operatorKey: 'op', apiKeys, verifiedKeys, now: () => clock });
    const expected = { kind: 'tenant', tenantId, via: { kind: 'key', keyId, scope: 'upload' } };

    for (let i = 0; i < 10; i++) {
      expect(await authenticate(requestWith(`Bearer ${presented}`))).toEqual(expected);
      clock += 400;
    }
    expect(apiKeys.lookups).toBe(1);
    clock += 1_000;
    expect(await authenticate(requestWith(`Bearer ${presented}`))).toEqual(expected);
    expect(apiKeys.lookups).toBe(2);
  });

  it('never keeps a refusal, nor lets a wrong secret ride on a verified key id', async () => {
    const { keyId, presented } = await issueKey();
    const apiKeys = counting();
    const verifiedKeys = new VerifiedKeyCache(5_000, () => clock);
    const authenticate = createAuthenticator({ operatorKey: 'op', apiKeys, verifiedKeys, now: () => clock });
    await authenticate(requestWith(`Bearer ${presented}`));
    const forged = presented.replace(/.$/, presented.endsWith('A') ? 'B' : 'A');
    for (let i = 0; i < 2; i++) {
      await expect(authenticate(requestWith(`Bearer ${forged}`))).rejects.toMatchObject({
        code: 'invalid_api_key',
      });
    }
    expect(apiKeys.lookups).toBe(3);
    expect(await authenticate(requestWith(`Bearer ${presented}`))).toMatchObject({ via: { keyId } });
    expect(apiKeys.lookups).toBe(3);
  });

  it('refuses a key revoked through this process at once, and one revoked elsewhere within the lifetime', async () => {
    const verifiedKeys = new VerifiedKeyCache(5_000, () => clock);
    const apiKeys = forgetOnRevoke(repos.apiKeys, verifiedKeys);
    const authenticate = createAuthenticator({ operatorKey: 'op', apiKeys, verifiedKeys, now: () => clock });

    const here = await issueKey();
    await authenticate(requestWith(`Bearer ${here.presented}`));
    expect(await apiKeys.revoke(tenantId, here.keyId, clock)).toBe(true);
    await expect(authenticate(requestWith(`Bearer ${here.presented}`))).rejects.toMatchObject({
      code: 'invalid_api_key',
    });

    const elsewhere = await issueKey();
    await authenticate(requestWith(`Bearer ${elsewhere.presented}`));
    await repos.apiKeys.revoke(tenantId, elsewhere.keyId, clock);
    await authenticate(requestWith(`Bearer ${elsewhere.presented}`));
    clock += 5_000;
    await expect(authenticate(requestWith(`Bearer ${elsewhere.presented}`))).rejects.toMatchObject({
      code: 'invalid_api_key',
    });
  });
});
