import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asConsole, login, sessionCookieOf, type ConsoleSession } from '../../test/console-session.ts';
import { DIALECTS } from '../../test/databases.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';
import { loggerOptions } from '../system/logger.ts';

const PASSWORD = 'a good long password';

describe.each(DIALECTS)('people in the console on %s', (dialect) => {
  let kino: TestKino;
  const lines: string[] = [];
  let tenantA: { id: string; key: string };
  let tenantB: { id: string; key: string };
  let admin: ConsoleSession;
  let addressCounter = 0;
  /** Each test logs in from its own address, so the per-address throttle never links them. */
  const freshAddress = () => `198.51.100.${++addressCounter}`;

  /** Adds a member with a password through the operator key, and logs them in. */
  const memberOf = async (tenantId: string, role: string, email: string): Promise<ConsoleSession> => {
    const res = await kino.call(OPERATOR_KEY, 'POST', `/v1/users?tenantId=${tenantId}`, {
      email,
      role,
      password: PASSWORD,
    });
    expect(res.statusCode, res.body).toBe(201);
    return login(kino, email, PASSWORD, freshAddress());
  };

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    kino = await startTestKino(dialect, { logger: pino(loggerOptions('info'), sink) });
    tenantA = await kino.tenant('Acme');
    tenantB = await kino.tenant('Blue');
    admin = await memberOf(tenantA.id, 'admin', 'admin@acme.test');
  });
  afterAll(() => kino.close());

  it('logs in: an httpOnly SameSite=Lax cookie, the user and a CSRF token; the session reads back', async () => {
    const res = await kino.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'Admin@Acme.test', password: PASSWORD },
      remoteAddress: freshAddress(),
    });
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^kino_session=[\w-]{43}; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Lax$/);
    const body = res.json<{ user: Record<string, unknown>; csrfToken: string }>();
    expect(body.user).toMatchObject({
      email: 'admin@acme.test',
      role: 'admin',
      tenantId: tenantA.id,
      tenantName: 'Acme',
      status: 'active',
    });
    const session = await kino.app.inject({
      method: 'GET',
      url: '/v1/auth/session',
      headers: { cookie: sessionCookieOf(res) },
    });
    expect(session.json()).toEqual(body);
    expect((await kino.call(null, 'GET', '/v1/auth/session')).json()).toMatchObject({ code: 'unauthorized' });
  });

  it('answers a wrong password and an unknown email alike, and never logs the password', async () => {
    const attempt = (email: string) =>
      kino.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email, password: 'Wrong-Secret-4711' },
        remoteAddress: freshAddress(),
      });
    const wrong = await attempt('admin@acme.test');
    const unknown = await attempt('ghost@acme.test');
    expect(wrong.statusCode).toBe(401);
    const { requestId: _a, ...wrongBody } = wrong.json<Record<string, unknown>>();
    const { requestId: _b, ...unknownBody } = unknown.json<Record<string, unknown>>();
    expect(wrongBody).toEqual(unknownBody);
    expect(wrongBody).toMatchObject({ code: 'invalid_credentials' });
    const log = lines.join('');
    expect(log).toContain('"route":"/v1/auth/login"');
    expect(log).not.toContain('Wrong-Secret-4711');
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(admin.cookie.split('=')[1]);
    expect(log).not.toContain(admin.csrfToken);
  });

  it('throttles failed logins of an email with 429 and Retry-After', async () => {
    await memberOf(tenantA.id, 'viewer', 'target@acme.test');
    for (let i = 0; i < 10; i++) {
      const res = await kino.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'target@acme.test', password: `guess number ${i}` },
        remoteAddress: freshAddress(),
      });
      expect(res.statusCode).toBe(401);
    }
    const blocked = await kino.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'target@acme.test', password: PASSWORD },
      remoteAddress: freshAddress(),
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ code: 'too_many_attempts' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
  });

  it('needs the CSRF token and this site as Origin on cookie requests that change something', async () => {
    const create = (headers: Record<string, string | undefined>) =>
      asConsole(kino, admin, 'POST', '/v1/media', { title: 'csrf' }, headers);
    for (const headers of [
      { 'x-csrf-token': undefined },
      { 'x-csrf-token': 'not-the-token' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
    ]) {
      const res = await create(headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json()).toMatchObject({ code: 'csrf_failed' });
    }
    expect((await create({})).statusCode).toBe(201);
    expect((await create({ origin: undefined })).statusCode).toBe(201);
    // Reading needs no token; a key needs none either.
    expect(
      (await asConsole(kino, { cookie: admin.cookie, csrfToken: '' }, 'GET', '/v1/media')).statusCode,
    ).toBe(200);
    expect((await kino.call(tenantA.key, 'POST', '/v1/media', { title: 'by key' })).statusCode).toBe(201);
  });

  it('lets a viewer read but not delete, and an editor edit but not manage members', async () => {
    const media = (await kino.call(tenantA.key, 'POST', '/v1/media', { title: 'shared' })).json<{
      id: string;
    }>();
    const viewer = await memberOf(tenantA.id, 'viewer', 'viewer@acme.test');
    expect((await asConsole(kino, viewer, 'GET', '/v1/media')).statusCode).toBe(200);
    // Allowed (the media is not playable yet, so not a token either, but no 403).
    const token = await asConsole(kino, viewer, 'POST', `/v1/media/${media.id}/playback-tokens`, {});
    expect(token.statusCode).not.toBe(403);
    const del = await asConsole(kino, viewer, 'DELETE', `/v1/media/${media.id}`);
    expect(del.statusCode).toBe(403);
    expect(del.json()).toMatchObject({ code: 'insufficient_role' });

    const editor = await memberOf(tenantA.id, 'editor', 'editor@acme.test');
    expect(
      (await asConsole(kino, editor, 'PATCH', `/v1/media/${media.id}`, { title: 'edited' })).statusCode,
    ).toBe(200);
    for (const [method, url, body] of [
      ['GET', '/v1/users', undefined],
      ['POST', '/v1/users', { email: 'x@acme.test', role: 'admin' }],
      ['PATCH', `/v1/users/${viewer.user.id}`, { role: 'admin' }],
      ['GET', '/v1/keys', undefined],
      ['GET', '/v1/system/health', undefined],
    ] as const) {
      const res = await asConsole(kino, editor, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    expect((await asConsole(kino, admin, 'GET', '/v1/keys')).statusCode).toBe(200);
    expect((await asConsole(kino, admin, 'DELETE', `/v1/media/${media.id}`)).statusCode).toBe(204);
  });

  it('keeps the last admin of a tenant', async () => {
    const self = admin.user.id;
    for (const [method, body] of [
      ['PATCH', { role: 'editor' }],
      ['PATCH', { disabled: true }],
      ['DELETE', undefined],
    ] as const) {
      const res = await asConsole(kino, admin, method, `/v1/users/${self}`, body);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'last_admin' });
    }
  });

  it('invites a member, who accepts once and is logged in', async () => {
    const created = await asConsole(kino, admin, 'POST', '/v1/users', {
      email: 'Invitee@Acme.test',
      role: 'editor',
    });
    expect(created.statusCode).toBe(201);
    const { user, inviteUrl } = created.json<{ user: { id: string; status: string }; inviteUrl: string }>();
    expect(user.status).toBe('invited');
    expect(inviteUrl).toMatch(/^http:\/\/localhost(:80)?\/invite\/[\w-]{43}$/);
    const token = inviteUrl.split('/').pop() ?? '';

    expect((await kino.call(null, 'GET', `/v1/invites/${token}`)).json()).toEqual({
      email: 'invitee@acme.test',
      tenantName: 'Acme',
      role: 'editor',
    });
    const short = await kino.call(null, 'POST', `/v1/invites/${token}/accept`, { password: 'short' });
    expect(short.json()).toMatchObject({ code: 'invalid_request' });
    const accepted = await kino.call(null, 'POST', `/v1/invites/${token}/accept`, {
      password: PASSWORD,
      name: 'In Vitee',
    });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ user: { id: user.id, name: 'In Vitee', status: 'active' } });
    const session = {
      cookie: sessionCookieOf(accepted),
      csrfToken: accepted.json<{ csrfToken: string }>().csrfToken,
    };
    expect((await asConsole(kino, session, 'GET', '/v1/media')).statusCode).toBe(200);

    const again = await kino.call(null, 'POST', `/v1/invites/${token}/accept`, { password: PASSWORD });
    expect(again.statusCode).toBe(410);
    expect(again.json()).toMatchObject({ code: 'invite_used' });
    expect((await kino.call(null, 'GET', `/v1/invites/${token}`)).statusCode).toBe(410);
    expect((await kino.call(null, 'GET', '/v1/invites/unknown-token')).statusCode).toBe(404);
    expect((await login(kino, 'invitee@acme.test', PASSWORD, freshAddress())).user.id).toBe(user.id);
  });

  it('keeps tenants apart: a member of B finds nothing of A', async () => {
    const adminB = await memberOf(tenantB.id, 'admin', 'admin@blue.test');
    const mediaA = (await kino.call(tenantA.key, 'POST', '/v1/media', { title: 'A only' })).json<{
      id: string;
    }>();
    for (const [method, url, body] of [
      ['GET', `/v1/users/${admin.user.id}`, undefined],
      ['PATCH', `/v1/users/${admin.user.id}`, { role: 'viewer' }],
      ['DELETE', `/v1/users/${admin.user.id}`, undefined],
      ['GET', `/v1/users?tenantId=${tenantA.id}`, undefined],
      ['GET', `/v1/media/${mediaA.id}`, undefined],
      ['DELETE', `/v1/media/${mediaA.id}`, undefined],
    ] as const) {
      const res = await asConsole(kino, adminB, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const listed = (await asConsole(kino, adminB, 'GET', '/v1/users')).json<{ items: { email: string }[] }>();
    expect(listed.items.map((u) => u.email)).toEqual(['admin@blue.test']);
    expect((await kino.call(tenantA.key, 'GET', `/v1/media/${mediaA.id}`)).statusCode).toBe(200);
  });

  it('logs out: 204, the cookie cleared and the session over', async () => {
    const session = await login(kino, 'admin@acme.test', PASSWORD, freshAddress());
    const noToken = await asConsole(kino, session, 'POST', '/v1/auth/logout', undefined, {
      'x-csrf-token': undefined,
    });
    expect(noToken.json()).toMatchObject({ code: 'csrf_failed' });
    const out = await asConsole(kino, session, 'POST', '/v1/auth/logout');
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(
      /^kino_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    const after = await asConsole(kino, session, 'GET', '/v1/media');
    expect(after.statusCode).toBe(401);
    expect((await asConsole(kino, session, 'GET', '/v1/auth/session')).statusCode).toBe(401);
    expect((await asConsole(kino, admin, 'GET', '/v1/media')).statusCode).toBe(200);
  });

  it('gives the operator console users, created with the operator key', async () => {
    const denied = await asConsole(kino, admin, 'POST', '/v1/operator/users', {
      email: 'op@kino.test',
      password: PASSWORD,
    });
    expect(denied.json()).toMatchObject({ code: 'operator_only' });
    const created = await kino.call(OPERATOR_KEY, 'POST', '/v1/operator/users', {
      email: 'op@kino.test',
      password: PASSWORD,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ user: { role: 'operator', tenantId: null, tenantName: null } });
    const operator = await login(kino, 'op@kino.test', PASSWORD, freshAddress());
    expect((await asConsole(kino, operator, 'GET', '/v1/tenants')).statusCode).toBe(200);
    expect((await asConsole(kino, operator, 'GET', '/v1/system/health')).statusCode).toBe(200);
    const members = await asConsole(kino, operator, 'GET', `/v1/users?tenantId=${tenantA.id}`);
    expect(members.json<{ items: unknown[] }>().items.length).toBeGreaterThan(1);
    expect((await asConsole(kino, operator, 'GET', '/v1/users')).json()).toMatchObject({
      code: 'invalid_request',
    });
    expect((await asConsole(kino, operator, 'GET', '/v1/media')).json()).toMatchObject({
      code: 'tenant_key_required',
    });
    expect(
      (
        await kino.call(OPERATOR_KEY, 'POST', '/v1/operator/users', {
          email: 'OP@kino.test',
          password: PASSWORD,
        })
      ).statusCode,
    ).toBe(409);
  });
});
