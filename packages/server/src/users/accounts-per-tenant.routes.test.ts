import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asConsole, login, type ConsoleSession } from '../../test/console-session.ts';
import { DIALECTS } from '../../test/databases.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';

const PASSWORD = 'a good long password';
const OTHER_PASSWORD = 'another long password';

/**
 * Accounts are per tenant: an email may have an account in several tenants, each with its own
 * password, so a tenant's admin cannot learn which addresses have accounts elsewhere.
 */
describe.each(DIALECTS)('accounts per tenant on %s', (dialect) => {
  let kino: TestKino;
  let tenantA: { id: string; key: string };
  let tenantB: { id: string; key: string };
  let adminB: ConsoleSession;
  let addressCounter = 0;
  const freshAddress = () => `203.0.113.${++addressCounter}`;

  const addMember = (tenantId: string, email: string, password?: string, role = 'editor') =>
    kino.call(OPERATOR_KEY, 'POST', `/v1/users?tenantId=${tenantId}`, {
      email,
      role,
      ...(password !== undefined && { password }),
    });
  const loginWith = (payload: Record<string, unknown>) =>
    kino.app.inject({ method: 'POST', url: '/v1/auth/login', payload, remoteAddress: freshAddress() });
  /** An answer without what differs between any two answers (ids, times, invite tokens). */
  const shapeOf = (res: LightMyRequestResponse) => ({
    status: res.statusCode,
    body: JSON.stringify(res.json())
      .replace(/"(usr|ten)_[0-9a-z]+"/g, '"id"')
      .replace(/"[0-9T:.-]+Z"/g, '"t"')
      .replace(/\/invite\/[\w-]+/g, '/invite/token'),
  });

  beforeAll(async () => {
    kino = await startTestKino(dialect);
    tenantA = await kino.tenant('Acme');
    tenantB = await kino.tenant('Blue');
    expect((await addMember(tenantB.id, 'admin@blue.test', PASSWORD, 'admin')).statusCode).toBe(201);
    adminB = await login(kino, 'admin@blue.test', PASSWORD, freshAddress());
  });
  afterAll(() => kino.close());

  it("answers tenant B's admin the same for an address with an account in tenant A as for a new one", async () => {
    expect((await addMember(tenantA.id, 'known@example.test', PASSWORD)).statusCode).toBe(201);
    const add = (email: string) => asConsole(kino, adminB, 'POST', '/v1/users', { email, role: 'viewer' });
    const known = await add('Known@Example.test');
    const unknown = await add('unknown@example.test');
    expect(known.statusCode).toBe(201);
    expect(shapeOf(known).body.replace('known@', 'x@')).toEqual(
      shapeOf(unknown).body.replace('unknown@', 'x@'),
    );
    // Within one tenant an address is still taken once.
    const again = await add('known@example.test');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'email_taken' });
    // A's member still signs in to A, and B's new member (invited, no password) changed nothing.
    expect((await login(kino, 'known@example.test', PASSWORD, freshAddress())).user.tenantId).toBe(
      tenantA.id,
    );
  });

  it('signs in to the one account whose password matches', async () => {
    await addMember(tenantA.id, 'two@example.test', PASSWORD);
    await addMember(tenantB.id, 'two@example.test', OTHER_PASSWORD);
    const toA = await loginWith({ email: 'two@example.test', password: PASSWORD });
    expect(toA.json()).toMatchObject({ user: { tenantId: tenantA.id, tenantName: 'Acme' } });
    const toB = await loginWith({ email: 'two@example.test', password: OTHER_PASSWORD });
    expect(toB.json()).toMatchObject({ user: { tenantId: tenantB.id, tenantName: 'Blue' } });
    const wrong = await loginWith({ email: 'two@example.test', password: 'neither of them' });
    expect(wrong.json()).toMatchObject({ code: 'invalid_credentials' });
  });

  it('asks which organisation when the password opens several accounts, then takes tenantId', async () => {
    await addMember(tenantA.id, 'both@example.test', PASSWORD);
    await addMember(tenantB.id, 'both@example.test', PASSWORD);
    const ask = await loginWith({ email: 'both@example.test', password: PASSWORD });
    expect(ask.statusCode).toBe(409);
    expect(ask.headers['set-cookie']).toBeUndefined();
    const problem = ask.json<{ code: string; tenants: { id: string; name: string }[] }>();
    expect(problem.code).toBe('tenant_required');
    expect(problem.tenants).toEqual(
      expect.arrayContaining([
        { id: tenantA.id, name: 'Acme' },
        { id: tenantB.id, name: 'Blue' },
      ]),
    );
    expect(problem.tenants).toHaveLength(2);

    const toB = await loginWith({ email: 'both@example.test', password: PASSWORD, tenantId: tenantB.id });
    expect(toB.statusCode).toBe(200);
    expect(toB.json()).toMatchObject({ user: { tenantId: tenantB.id } });
    const wrongPassword = await loginWith({
      email: 'both@example.test',
      password: 'not the password',
      tenantId: tenantB.id,
    });
    expect(wrongPassword.json()).toMatchObject({ code: 'invalid_credentials' });
    const elsewhere = await kino.tenant('Cyan');
    const noAccount = await loginWith({
      email: 'both@example.test',
      password: PASSWORD,
      tenantId: elsewhere.id,
    });
    expect(noAccount.json()).toMatchObject({ code: 'invalid_credentials' });
  });

  it('lets an operator user and a member share an email; null names the operator account', async () => {
    await addMember(tenantA.id, 'ops@example.test', PASSWORD);
    const operator = await kino.call(OPERATOR_KEY, 'POST', '/v1/operator/users', {
      email: 'ops@example.test',
      password: PASSWORD,
    });
    expect(operator.statusCode).toBe(201);
    const ask = await loginWith({ email: 'ops@example.test', password: PASSWORD });
    expect(ask.json()).toMatchObject({ code: 'tenant_required' });
    expect(ask.json<{ tenants: unknown[] }>().tenants).toEqual(
      expect.arrayContaining([
        { id: null, name: null },
        { id: tenantA.id, name: 'Acme' },
      ]),
    );
    const asOperator = await loginWith({ email: 'ops@example.test', password: PASSWORD, tenantId: null });
    expect(asOperator.json()).toMatchObject({ user: { role: 'operator', tenantId: null } });
    const twice = await kino.call(OPERATOR_KEY, 'POST', '/v1/operator/users', {
      email: 'OPS@example.test',
      password: PASSWORD,
    });
    expect(twice.statusCode).toBe(409);
  });
});
