import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import { createRepositories, unitOfWork } from '../repositories/repositories.ts';
import { loggerOptions } from '../system/logger.ts';
import { emitAndDispatch } from '../../test/emit-event.ts';

interface WebhookJson {
  id: string;
  url: string;
  events: string[];
  secret?: string;
  paused: boolean;
  pausedReason: string | null;
}

describe.each(DIALECTS)('webhook endpoints API on %s', (dialect) => {
  let kino: TestKino;
  const lines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    kino = await startTestKino(dialect, { logger: pino(loggerOptions('debug'), sink) });
  });
  afterAll(() => kino.close());

  const create = (key: string, body: unknown) => kino.call(key, 'POST', '/v1/webhooks', body);

  it('creates, lists, reads, changes and deletes endpoints; the secret is shown once', async () => {
    const { key } = await kino.tenant();
    const created = await create(key, {
      url: 'https://hooks.example.com/kino',
      events: ['media.ready'],
      description: 'ci',
    });
    expect(created.statusCode).toBe(201);
    const hook = created.json<WebhookJson>();
    expect(hook).toMatchObject({
      url: 'https://hooks.example.com/kino',
      events: ['media.ready'],
      paused: false,
    });
    expect(hook.secret).toMatch(/^whsec_/);
    const secret = hook.secret ?? '';

    const listed = await kino.call(key, 'GET', '/v1/webhooks');
    expect(listed.json<{ items: WebhookJson[] }>().items.map((h) => h.id)).toEqual([hook.id]);
    const read = await kino.call(key, 'GET', `/v1/webhooks/${hook.id}`);
    expect(read.statusCode).toBe(200);
    for (const res of [listed, read]) expect(res.body).not.toContain(secret);

    const patched = await kino.call(key, 'PATCH', `/v1/webhooks/${hook.id}`, { events: [] });
    expect(patched.json()).toMatchObject({ events: [] });
    expect(patched.body).not.toContain(secret);

    const rotated = await kino.call(key, 'POST', `/v1/webhooks/${hook.id}/rotate-secret`);
    const newSecret = rotated.json<WebhookJson>().secret ?? '';
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);

    expect((await kino.call(key, 'DELETE', `/v1/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await kino.call(key, 'GET', `/v1/webhooks/${hook.id}`)).statusCode).toBe(404);

    expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).not.toContain(newSecret);
  });

  it('refuses inside addresses and plain http at creation', async () => {
    const { key } = await kino.tenant();
    for (const url of [
      'https://169.254.169.254/latest/meta-data',
      'http://127.0.0.1:8080/hook',
      'https://127.0.0.1/hook',
      'http://hooks.example.com/',
      'file:///etc/passwd',
    ]) {
      const res = await create(key, { url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ code: 'invalid_request' });
    }
    expect((await create(key, { url: 'https://x.example.com/', events: ['media.nope'] })).statusCode).toBe(
      400,
    );
  });

  it('keeps tenants apart and needs a full-scope key', async () => {
    const a = await kino.tenant('a');
    const b = await kino.tenant('b');
    const hook = (await create(a.key, { url: 'https://a.example.com/' })).json<WebhookJson>();
    for (const [method, url] of [
      ['GET', `/v1/webhooks/${hook.id}`],
      ['PATCH', `/v1/webhooks/${hook.id}`],
      ['DELETE', `/v1/webhooks/${hook.id}`],
      ['POST', `/v1/webhooks/${hook.id}/rotate-secret`],
      ['GET', `/v1/webhooks/${hook.id}/deliveries`],
    ] as const) {
      const res = await kino.call(b.key, method, url, method === 'PATCH' ? {} : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await kino.call(b.key, 'GET', '/v1/webhooks')).json()).toEqual({ items: [] });
    const read = await kino.key(a.id, 'read');
    expect((await kino.call(read, 'GET', '/v1/webhooks')).statusCode).toBe(403);
    expect((await kino.call(null, 'GET', '/v1/webhooks')).statusCode).toBe(401);
  });

  it('lists deliveries, resends one, and resumes a paused endpoint', async () => {
    const { id: tenantId, key } = await kino.tenant();
    const hook = (await create(key, { url: 'https://hooks.example.com/' })).json<WebhookJson>();
    const transaction = unitOfWork(kino.database);
    const { eventId, deliveryIds } = await transaction((repos) =>
      emitAndDispatch(repos, kino.jobs.queue, { tenantId, type: 'media.ready', data: { id: 'med_1' } }),
    );
    const list = await kino.call(key, 'GET', `/v1/webhooks/${hook.id}/deliveries`);
    expect(list.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({
        id: deliveryIds[0],
        eventId,
        type: 'media.ready',
        state: 'pending',
        attempts: 0,
      }),
    ]);

    const resent = await kino.call(
      key,
      'POST',
      `/v1/webhooks/${hook.id}/deliveries/${deliveryIds[0] ?? ''}/resend`,
    );
    expect(resent.statusCode).toBe(202);
    expect(resent.json()).toMatchObject({ eventId, state: 'pending' });
    const jobs = await kino.database.db
      .selectFrom('jobs')
      .select('idempotency_key')
      .where('type', '=', 'webhook.deliver')
      .execute();
    expect(jobs.map((j) => j.idempotency_key)).toEqual(
      expect.arrayContaining([deliveryIds[0], resent.json<{ id: string }>().id]),
    );

    const repos = createRepositories(kino.database.db, kino.database.dialect);
    await repos.webhooks.updateEndpoint(tenantId, hook.id, {
      paused: 1,
      paused_reason: 'failing',
      consecutive_dead: 20,
    });
    expect((await kino.call(key, 'GET', `/v1/webhooks/${hook.id}`)).json()).toMatchObject({
      paused: true,
      pausedReason: 'failing',
    });
    expect(
      (await kino.call(key, 'POST', `/v1/webhooks/${hook.id}/deliveries/${deliveryIds[0] ?? ''}/resend`))
        .statusCode,
    ).toBe(409);
    const resumed = await kino.call(key, 'PATCH', `/v1/webhooks/${hook.id}`, { paused: false });
    expect(resumed.json()).toMatchObject({ paused: false, pausedReason: null });
  });
});
