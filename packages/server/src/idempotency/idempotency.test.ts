import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';

describe.each(DIALECTS)('Idempotency-Key on %s', (dialect) => {
  let kino: TestKino;
  let tenant: { id: string; key: string };

  beforeAll(async () => {
    kino = await startTestKino(dialect);
    tenant = await kino.tenant();
  });
  afterAll(() => kino.close());

  const post = (key: string, url: string, body: unknown, idempotencyKey?: string) =>
    kino.app.inject({
      method: 'POST',
      url,
      headers: {
        authorization: `Bearer ${key}`,
        ...(idempotencyKey && { 'idempotency-key': idempotencyKey }),
      },
      payload: body as Record<string, unknown>,
    });

  const mediaCount = async () =>
    (
      await kino.database.db
        .selectFrom('media')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', tenant.id)
        .executeTakeFirstOrThrow()
    ).n;

  it('a replayed POST returns the first answer and creates one media', async () => {
    const before = await mediaCount();
    const first = await post(tenant.key, '/v1/media', { title: 'Once' }, 'create-once');
    const again = await post(tenant.key, '/v1/media', { title: 'Once' }, 'create-once');
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toMatch(/application\/json/);
    expect(await mediaCount()).toBe(before + 1);
  });

  it('the same key with another body gets 422 idempotency_key_reused', async () => {
    await post(tenant.key, '/v1/media', { title: 'A' }, 'reused-key');
    const other = await post(tenant.key, '/v1/media', { title: 'B' }, 'reused-key');
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('concurrent requests with one key create one media', async () => {
    const before = await mediaCount();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => post(tenant.key, '/v1/media', { title: 'Race' }, 'race-key')),
    );
    const created = answers.filter((a) => a.statusCode === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    // The others got the same answer again, or were told the first is still running.
    for (const a of answers) expect([201, 409]).toContain(a.statusCode);
    expect(new Set(created.map((a) => a.json<{ id: string }>().id)).size).toBe(1);
    expect(await mediaCount()).toBe(before + 1);
  });

  it('keys belong to one tenant (or the operator), and also cover tokens, webhooks, keys and tenants', async () => {
    const other = await kino.tenant('other');
    const mine = await post(tenant.key, '/v1/media', { title: 'Mine' }, 'shared-name');
    const theirs = await post(other.key, '/v1/media', { title: 'Theirs' }, 'shared-name');
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json<{ id: string }>().id).not.toBe(mine.json<{ id: string }>().id);

    const t1 = await post(OPERATOR_KEY, '/v1/tenants', { name: 'idem' }, 'tenant-1');
    const t2 = await post(OPERATOR_KEY, '/v1/tenants', { name: 'idem' }, 'tenant-1');
    expect(t2.json<{ id: string }>().id).toBe(t1.json<{ id: string }>().id);
    const k1 = await post(tenant.key, '/v1/keys', { scope: 'read' }, 'key-1');
    const k2 = await post(tenant.key, '/v1/keys', { scope: 'read' }, 'key-1');
    expect(k1.statusCode).toBe(201);
    // The key itself is shown once: the replay names the same key without it (secret-answers.ts).
    expect(k2.json<{ id: string }>().id).toBe(k1.json<{ id: string }>().id);
  });

  it('a request that failed on the client’s side is answered the same again; a malformed key is refused', async () => {
    const bad = await post(tenant.key, '/v1/media', { title: 'x', visibility: 'nope' }, 'invalid-once');
    expect(bad.statusCode).toBe(400);
    const long = await post(tenant.key, '/v1/media', { title: 'x' }, 'x'.repeat(256));
    expect(long.json()).toMatchObject({ status: 400, code: 'invalid_request' });
  });
});
