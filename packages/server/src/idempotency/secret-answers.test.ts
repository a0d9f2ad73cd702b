import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';
import { redactAnswer, SECRET_ROUTES, withoutRequestSecrets } from './secret-answers.ts';

describe('redactAnswer', () => {
  it('drops the fields that hold a value and names them; keeps the rest, and problems, as they are', () => {
    const answer = JSON.stringify({ id: 'key_1', apiKey: 'kino_secret', name: 'CI' });
    expect(JSON.parse(redactAnswer(answer, ['apiKey']) ?? '')).toEqual({
      id: 'key_1',
      name: 'CI',
      redacted: ['apiKey'],
    });
    const withoutInvite = JSON.stringify({ user: { id: 'usr_1' }, inviteUrl: null });
    expect(redactAnswer(withoutInvite, ['inviteUrl'])).toBe(withoutInvite);
    const problem = JSON.stringify({ status: 404, code: 'not_found' });
    expect(redactAnswer(problem, ['secret'])).toBe(problem);
    expect(redactAnswer('plain text', [])).toBe('plain text');
    // What cannot be read as an object is not kept at all.
    expect(redactAnswer('kino_secret', ['apiKey'])).toBeNull();
    expect(redactAnswer('["kino_secret"]', ['apiKey'])).toBeNull();
  });

  it('takes secret request fields out of the fingerprinted body', () => {
    expect(withoutRequestSecrets({ email: 'a@b.test', password: 'hunter2hunter2' }, ['password'])).toEqual({
      email: 'a@b.test',
      password: '(secret)',
    });
    expect(withoutRequestSecrets(null, ['password'])).toBeNull();
  });
});

type OpenApiSchema = {
  $ref?: string;
  properties?: Record<string, OpenApiSchema & { description?: string }>;
};
interface OpenApiOperation {
  security?: unknown[];
  requestBody?: { content?: Record<string, { schema?: OpenApiSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: OpenApiSchema }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema> };
}

/** Property names and descriptions that say "a credential": every such POST must have a policy. */
const SECRET_NAME = /^(apiKey|secret|token|inviteUrl|password)$/;
const SHOWN_ONCE = /shown once/i;

describe.each(DIALECTS)('Idempotency-Key with credentials on %s', (dialect) => {
  let kino: TestKino;
  let tenant: { id: string; key: string };
  /** Every credential an answer or a request carried: none may be in the idempotency table. */
  const secrets: string[] = [];

  beforeAll(async () => {
    kino = await startTestKino(dialect);
    tenant = await kino.tenant();
  });
  afterAll(() => kino.close());

  const post = (key: string, url: string, body: unknown, idempotencyKey: string) =>
    kino.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${key}`, 'idempotency-key': idempotencyKey },
      ...(body !== undefined && { payload: body as Record<string, unknown> }),
    });
  /** Sends a request twice with one key: the first answer holds `field`, the replay names it redacted. */
  const twice = async (key: string, url: string, body: unknown, field: string) => {
    const idempotencyKey = `${url}-${String(secrets.length)}`;
    const first = await post(key, url, body, idempotencyKey);
    expect(first.statusCode, first.body).toBeLessThan(300);
    const secret = first.json<Record<string, unknown>>()[field];
    expect(typeof secret).toBe('string');
    secrets.push(String(secret));
    const again = await post(key, url, body, idempotencyKey);
    expect(again.statusCode).toBe(first.statusCode);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const replayed = again.json<Record<string, unknown>>();
    expect(replayed).not.toHaveProperty(field);
    expect(replayed.redacted).toEqual([field]);
    expect(again.body).not.toContain(String(secret));
    return { first: first.json<Record<string, unknown>>(), replayed };
  };
  const rawRows = async () =>
    JSON.stringify(await kino.database.db.selectFrom('idempotency_keys').selectAll().execute());

  it('replays a new tenant, API key, webhook, upload URL or invite without its secret', async () => {
    const created = await twice(OPERATOR_KEY, '/v1/tenants', { name: 'secretive' }, 'apiKey');
    expect(created.replayed.id).toBe(created.first.id);
    expect(created.replayed.name).toBe('secretive');

    await twice(tenant.key, '/v1/keys', { scope: 'read' }, 'apiKey');
    await twice(OPERATOR_KEY, `/v1/tenants/${tenant.id}/keys`, { scope: 'upload' }, 'apiKey');
    const hook = await twice(tenant.key, '/v1/webhooks', { url: 'https://hooks.example.com/kino' }, 'secret');
    await twice(tenant.key, `/v1/webhooks/${String(hook.first.id)}/rotate-secret`, undefined, 'secret');
    const upload = await twice(tenant.key, '/v1/upload-urls', { title: 'direct' }, 'url');
    expect(upload.replayed.mediaId).toBe(upload.first.mediaId);
    const member = await twice(
      OPERATOR_KEY,
      `/v1/users?tenantId=${tenant.id}`,
      { email: 'invited@acme.test', role: 'editor' },
      'inviteUrl',
    );
    const userId = (member.first.user as { id: string }).id;
    await twice(OPERATOR_KEY, `/v1/users/${userId}/invite?tenantId=${tenant.id}`, undefined, 'inviteUrl');

    const rows = await rawRows();
    for (const secret of secrets) {
      expect(rows).not.toContain(secret);
      // The token part of a URL too (an upload URL's or an invite's last path segment).
      const last = secret.split('/').pop() ?? secret;
      expect(rows).not.toContain(last);
    }
  });

  it('keeps no hash of a password: a retry differing only in the password is the same request', async () => {
    const password = 'correct horse battery staple';
    const body = { email: 'member@acme.test', role: 'editor', password };
    const url = `/v1/users?tenantId=${tenant.id}`;
    const first = await post(OPERATOR_KEY, url, body, 'member-with-password');
    expect(first.statusCode, first.body).toBe(201);
    const again = await post(
      OPERATOR_KEY,
      url,
      { ...body, password: 'another password, same key' },
      'member-with-password',
    );
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const operator = { email: 'ops@kino.test', password };
    expect((await post(OPERATOR_KEY, '/v1/operator/users', operator, 'operator-user')).statusCode).toBe(201);

    const rows = await rawRows();
    expect(rows).not.toContain(password);
    // Not even the fast hash the fingerprint would be with the password in it.
    for (const [path, sent] of [
      [url, body],
      ['/v1/operator/users', operator],
    ] as const) {
      const withPassword = createHash('sha256')
        .update(`POST ${path}\n${JSON.stringify(sent)}`)
        .digest('hex');
      expect(rows).not.toContain(withPassword);
    }
  });

  it('mints a fresh playback token on every try: nothing of it is kept', async () => {
    const media = await kino.call(tenant.key, 'POST', '/v1/media', {
      title: 'tokens',
      visibility: 'private',
    });
    const id = media.json<{ id: string }>().id;
    // Playable as far as the token route cares (it signs; it does not read the version).
    await kino.database.db
      .updateTable('media')
      .set({ playback_prefix: `media/${tenant.id}/${id}/job_x-1/`, playable: 1 })
      .where('id', '=', id)
      .execute();
    const url = `/v1/media/${id}/playback-tokens`;
    const first = await post(tenant.key, url, { expiresInSeconds: 600 }, 'token-key');
    const second = await post(tenant.key, url, { expiresInSeconds: 600 }, 'token-key');
    expect(first.statusCode, first.body).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    const tokens = [first, second].map((r) => r.json<{ token: string }>().token);
    const rows = await rawRows();
    for (const token of tokens) expect(rows).not.toContain(token);
    const kept = await kino.database.db
      .selectFrom('idempotency_keys')
      .select('key')
      .where('key', '=', 'token-key')
      .execute();
    expect(kept).toEqual([]);
  });

  it('has a policy for every POST whose answer or body names a credential', async () => {
    const doc = (await kino.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json<OpenApiDocument>();
    const resolve = (schema: OpenApiSchema | undefined): OpenApiSchema | undefined => {
      const ref = schema?.$ref?.split('/').pop();
      return ref ? doc.components?.schemas?.[ref] : schema;
    };
    const credentialFields = (schema: OpenApiSchema | undefined) =>
      Object.entries(resolve(schema)?.properties ?? {})
        .filter(([name, prop]) => SECRET_NAME.test(name) || SHOWN_ONCE.test(prop.description ?? ''))
        .map(([name]) => name);
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      const post = operations.post;
      // Public routes (login, accepting an invite) have no caller to keep a key for: never stored.
      if (!post || post.security?.length === 0) continue;
      const route = `POST ${path.replace(/\{(\w+)\}/g, ':$1')}`;
      const policy = SECRET_ROUTES[route];
      const answered = Object.entries(post.responses ?? {})
        .filter(([status]) => status.startsWith('2'))
        .flatMap(([, r]) => credentialFields(r.content?.['application/json']?.schema));
      const sent = credentialFields(post.requestBody?.content?.['application/json']?.schema);
      for (const field of answered) {
        if (!policy || (policy.kind === 'store' && !policy.redact.includes(field)))
          missing.push(`${route} answers ${field}`);
      }
      for (const field of sent.filter((f) => f === 'password')) {
        if (!policy || (policy.kind === 'store' && !policy.requestSecrets.includes(field)))
          missing.push(`${route} takes ${field}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
