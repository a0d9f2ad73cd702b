import { afterEach, describe, expect, it } from 'vitest';
import { asConsole, sessionCookieOf } from '../../test/console-session.ts';
import { DIALECTS } from '../../test/databases.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';
import { issueSetupCode } from './setup.service.ts';

const PASSWORD = 'a good long password';

describe.each(DIALECTS)('first run setup on %s', (dialect) => {
  let kino: TestKino | undefined;
  let addressCounter = 0;
  /** Each request from its own address, so the per-address throttle links only the ones meant to. */
  const freshAddress = () => `203.0.113.${++addressCounter}`;

  afterEach(async () => {
    await kino?.close();
    kino = undefined;
  });

  const start = async () => {
    kino = await startTestKino(dialect);
    return kino;
  };
  const issue = async (k: TestKino) => {
    const code = await issueSetupCode(k.repos.setup);
    if (code === undefined) throw new Error('no setup code issued');
    return code;
  };
  const needed = async (k: TestKino) =>
    (await k.call(null, 'GET', '/v1/setup')).json<{ needed: boolean }>().needed;
  const setUp = (k: TestKino, body: Record<string, unknown>, remoteAddress = freshAddress()) =>
    k.app.inject({
      method: 'POST',
      url: '/v1/setup',
      payload: {
        organisation: 'Acme Media',
        name: 'Ada Admin',
        email: 'Ada@Acme.test',
        password: PASSWORD,
        ...body,
      },
      remoteAddress,
    });

  it('creates the first tenant and its admin with the code, signs them in to an empty library', async () => {
    const k = await start();
    expect(await needed(k)).toBe(false); // no code issued yet: nothing to set up with
    const code = await issue(k);
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/);
    expect(await needed(k)).toBe(true);

    // Typed without dashes and in lower case, the code still works.
    const res = await setUp(k, { code: code.replaceAll('-', '').toLowerCase() });
    expect(res.statusCode, res.body).toBe(201);
    expect(String(res.headers['set-cookie'])).toMatch(
      /^kino_session=[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    const body = res.json<{ user: { tenantId: string }; csrfToken: string }>();
    expect(body.user).toMatchObject({
      email: 'ada@acme.test',
      name: 'Ada Admin',
      role: 'admin',
      tenantName: 'Acme Media',
      status: 'active',
    });
    const session = { cookie: sessionCookieOf(res), csrfToken: body.csrfToken };
    const current = await asConsole(k, session, 'GET', '/v1/auth/session');
    expect(current.json()).toEqual(body);
    const library = await asConsole(k, session, 'GET', '/v1/media');
    expect(library.statusCode).toBe(200);
    expect(library.json<{ items: unknown[] }>().items).toEqual([]);

    const tenants = (await k.call(OPERATOR_KEY, 'GET', '/v1/tenants')).json<{
      items: { id: string; name: string }[];
    }>();
    expect(tenants.items).toEqual([expect.objectContaining({ id: body.user.tenantId, name: 'Acme Media' })]);
    expect(await needed(k)).toBe(false);
  });

  it('works once: the same code is refused after, another is 409, and no new code is issued', async () => {
    const k = await start();
    const code = await issue(k);
    const earlier = await issue(k); // a second start (or process) before setup: both work until then
    expect(earlier).not.toBe(code);
    expect((await setUp(k, { code })).statusCode).toBe(201);

    for (const used of [code, earlier]) {
      const again = await setUp(k, { code: used, email: 'eve@acme.test' });
      expect(again.statusCode).toBe(403);
      expect(again.json()).toMatchObject({ code: 'invalid_setup_code' });
      expect(again.headers['set-cookie']).toBeUndefined();
    }
    const other = await setUp(k, { code: 'AAAA-BBBB-CCCC-DDDD', email: 'eve@acme.test' });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ code: 'already_set_up' });
    expect(await issueSetupCode(k.repos.setup)).toBeUndefined();
    const tenants = (await k.call(OPERATOR_KEY, 'GET', '/v1/tenants')).json<{ items: unknown[] }>();
    expect(tenants.items).toHaveLength(1);
  });

  it('refuses a wrong code with 403 and creates nothing', async () => {
    const k = await start();
    const code = await issue(k);
    const wrong = code.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const res = await setUp(k, { code: wrong });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'invalid_setup_code' });
    expect(await needed(k)).toBe(true);
    const tenants = (await k.call(OPERATOR_KEY, 'GET', '/v1/tenants')).json<{ items: unknown[] }>();
    expect(tenants.items).toEqual([]);
  });

  it('is not offered once an account exists: no code, and 409 already_set_up', async () => {
    const k = await start();
    const code = await issue(k);
    const tenant = await k.tenant('Made by API');
    const member = await k.call(OPERATOR_KEY, 'POST', `/v1/users?tenantId=${tenant.id}`, {
      email: 'first@acme.test',
      role: 'admin',
      password: PASSWORD,
    });
    expect(member.statusCode, member.body).toBe(201);
    expect(await needed(k)).toBe(false);
    expect(await issueSetupCode(k.repos.setup)).toBeUndefined();
    const res = await setUp(k, { code });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'already_set_up' });
  });

  it('validates the form like other routes (400 invalid_request), keeping the code usable', async () => {
    const k = await start();
    const code = await issue(k);
    for (const body of [
      { code, password: 'short' },
      { code, email: 'not an email' },
      { code, organisation: '   ' },
      { code, name: '' },
      { code, extra: true },
    ]) {
      const res = await setUp(k, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_request' });
    }
    expect((await setUp(k, { code })).statusCode).toBe(201);
  });

  it('limits attempts per client address like logins: 429 too_many_attempts with Retry-After', async () => {
    const k = await start();
    const code = await issue(k);
    const address = freshAddress();
    for (let i = 0; i < 10; i++) {
      expect((await setUp(k, { code: 'WRNG-CODE-0000-0000' }, address)).statusCode).toBe(403);
    }
    const limited = await setUp(k, { code }, address);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'too_many_attempts' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address still gets through with the right code.
    expect((await setUp(k, { code })).statusCode).toBe(201);
  });

  it('lets exactly one of two concurrent setups win, even with two different codes', async () => {
    const k = await start();
    const [a, b] = [await issue(k), await issue(k)];
    const results = await Promise.all([
      setUp(k, { code: a, organisation: 'One' }),
      setUp(k, { code: b, organisation: 'Two', email: 'bob@two.test' }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 403]);
    const tenants = (await k.call(OPERATOR_KEY, 'GET', '/v1/tenants')).json<{ items: unknown[] }>();
    expect(tenants.items).toHaveLength(1);
  });
});
