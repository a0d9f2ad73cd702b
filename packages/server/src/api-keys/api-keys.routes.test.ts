import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';

describe.each(DIALECTS)('authentication and API keys on %s', (dialect) => {
  let kino: TestKino;
  beforeAll(async () => {
    kino = await startTestKino(dialect);
  });
  afterAll(() => kino.close());

  it('answers 401 problem+json for a missing, malformed, unknown or revoked key', async () => {
    const { id, key } = await kino.tenant();
    const missing = await kino.call(null, 'GET', '/v1/media');
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.json()).toMatchObject({ status: 401, code: 'unauthorized' });

    for (const bad of ['nonsense', `${key}x`, key.replace(/.$/, key.endsWith('A') ? 'B' : 'A')]) {
      const res = await kino.call(bad, 'GET', '/v1/media');
      expect(res.statusCode, bad).toBe(401);
      expect(res.json()).toMatchObject({ code: 'invalid_api_key' });
    }

    const second = await kino.call(key, 'POST', '/v1/keys', { name: 'ci', scope: 'read' });
    const secondKey = second.json<{ id: string; apiKey: string }>();
    expect((await kino.call(secondKey.apiKey, 'GET', '/v1/media')).statusCode).toBe(200);
    const revoked = await kino.call(key, 'DELETE', `/v1/keys/${secondKey.id}`);
    expect(revoked.json()).toMatchObject({ id: secondKey.id, revokedAt: expect.any(String) });
    expect((await kino.call(secondKey.apiKey, 'GET', '/v1/media')).json()).toMatchObject({
      code: 'invalid_api_key',
    });
    // The operator revokes through the tenant's path too.
    const third = await kino.key(id, 'full');
    const thirdId = /^kino_(key_[0-9a-z]+)_/.exec(third)?.[1] ?? '';
    expect((await kino.call(OPERATOR_KEY, 'DELETE', `/v1/tenants/${id}/keys/${thirdId}`)).statusCode).toBe(
      200,
    );
    expect((await kino.call(third, 'GET', '/v1/media')).statusCode).toBe(401);
  });

  it('shows a key once and stores no secret', async () => {
    const { key } = await kino.tenant();
    const created = await kino.call(key, 'POST', '/v1/keys', { name: 'uploader', scope: 'upload' });
    expect(created.statusCode).toBe(201);
    const body = created.json<{ apiKey: string; id: string }>();
    expect(body.apiKey).toMatch(/^kino_key_/);
    const listed = await kino.call(key, 'GET', '/v1/keys');
    expect(listed.body).not.toContain(body.apiKey.slice(-43));
    expect(listed.json<{ items: { id: string; scope: string }[] }>().items).toContainEqual(
      expect.objectContaining({ id: body.id, scope: 'upload' }),
    );
    const rows = await kino.database.db.selectFrom('api_keys').select('secret_hash').execute();
    expect(JSON.stringify(rows)).not.toContain(body.apiKey.slice(-43));
  });

  it('enforces scopes: read cannot write, upload cannot read or manage keys', async () => {
    const { id, key } = await kino.tenant();
    const read = await kino.key(id, 'read');
    const upload = await kino.key(id, 'upload');
    const media = (await kino.call(key, 'POST', '/v1/media', { title: 'x' })).json<{ id: string }>();

    expect((await kino.call(read, 'GET', `/v1/media/${media.id}`)).statusCode).toBe(200);
    for (const [method, url, body] of [
      ['POST', '/v1/media', {}],
      ['PATCH', `/v1/media/${media.id}`, { title: 'y' }],
      ['DELETE', `/v1/media/${media.id}`, undefined],
      ['POST', '/v1/keys', {}],
    ] as const) {
      const res = await kino.call(read, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json()).toMatchObject({ code: 'insufficient_scope' });
    }
    expect((await kino.call(upload, 'POST', '/v1/media', { title: 'from a phone' })).statusCode).toBe(201);
    expect((await kino.call(upload, 'GET', '/v1/media')).statusCode).toBe(403);
    expect((await kino.call(upload, 'GET', '/v1/keys')).statusCode).toBe(403);
  });

  it('keeps tenant routes and operator routes apart', async () => {
    const a = await kino.tenant('a');
    const b = await kino.tenant('b');
    expect((await kino.call(a.key, 'POST', '/v1/tenants', { name: 'evil' })).json()).toMatchObject({
      code: 'operator_only',
    });
    expect((await kino.call(a.key, 'GET', `/v1/tenants/${b.id}/keys`)).statusCode).toBe(403);
    expect((await kino.call(OPERATOR_KEY, 'GET', '/v1/media')).json()).toMatchObject({
      code: 'tenant_key_required',
    });
    // A tenant cannot revoke another tenant's key by id.
    const bKeys = (await kino.call(b.key, 'GET', '/v1/keys')).json<{ items: { id: string }[] }>();
    const bKeyId = bKeys.items[0]?.id ?? '';
    expect((await kino.call(a.key, 'DELETE', `/v1/keys/${bKeyId}`)).statusCode).toBe(404);
    expect((await kino.call(b.key, 'GET', '/v1/media')).statusCode).toBe(200);
    expect((await kino.call(OPERATOR_KEY, 'GET', '/v1/tenants/ten_nope/keys')).statusCode).toBe(404);
  });

  it('lets the operator list and read tenants', async () => {
    const t = await kino.tenant('listed');
    const list = await kino.call(OPERATOR_KEY, 'GET', '/v1/tenants?limit=200');
    expect(list.json<{ items: { id: string }[] }>().items.map((x) => x.id)).toContain(t.id);
    expect((await kino.call(OPERATOR_KEY, 'GET', `/v1/tenants/${t.id}`)).json()).toMatchObject({
      name: 'listed',
    });
  });
});
