import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { newId } from '../lib/ids.ts';
import { createRepositories, unitOfWork, type Repositories } from '../repositories/repositories.ts';
import { SESSION_IDLE_MS, SESSION_MAX_MS } from './session-policy.ts';
import { SessionsService, TooManyAttemptsError } from './sessions.service.ts';
import { UsersService } from './users.service.ts';

describe.each(DIALECTS)('sessions on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  let users: UsersService;
  let sessions: SessionsService;
  const clock = { now: 1_000_000 };
  const now = () => clock.now;
  const tenantId = newId('ten');

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    await repos.tenants.create({ id: tenantId, name: 'Acme', created_at: 1, updated_at: 1 });
    users = new UsersService(repos, unitOfWork(handle), { now });
    sessions = new SessionsService(repos, { now, limits: { perEmail: 3, perAddress: 5 } });
  });
  afterAll(() => handle.close());

  const member = (email: string) =>
    users.create(tenantId, { email, role: 'editor', password: 'a good long password' });

  it('logs in with any case of the email and stores only a digest of the session secret', async () => {
    await member('Case@Example.com');
    const started = await sessions.login({
      email: ' CASE@example.COM ',
      password: 'a good long password',
      clientAddress: '10.0.0.1',
    });
    expect(started.user.email).toBe('case@example.com');
    expect(started.token).toMatch(/^[\w-]{43}$/);
    const rows = await handle.db.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(started.token);
    expect((await sessions.resolve(started.token))?.user.id).toBe(started.user.id);
    expect(await sessions.resolve(`${started.token}x`)).toBeUndefined();
  });

  it('answers the same way for a wrong password and an unknown email', async () => {
    await member('wrong@example.com');
    for (const email of ['wrong@example.com', 'nobody@example.com']) {
      await expect(
        sessions.login({ email, password: 'not the password', clientAddress: '10.0.0.2' }),
      ).rejects.toMatchObject({ code: 'invalid_credentials', message: 'the email or the password is wrong' });
    }
  });

  it('throttles an email after its failures, even with the right password, until the window ends', async () => {
    await member('target@example.com');
    const attempt = (password: string, clientAddress: string) =>
      sessions.login({ email: 'target@example.com', password, clientAddress });
    for (let i = 0; i < 3; i++) {
      await expect(attempt('guess number one', `10.1.0.${i}`)).rejects.toMatchObject({
        code: 'invalid_credentials',
      });
    }
    const refused = await attempt('a good long password', '10.1.0.9').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TooManyAttemptsError);
    expect((refused as TooManyAttemptsError).retryAfterSeconds).toBe(15 * 60);
    clock.now += 15 * 60 * 1000;
    expect((await attempt('a good long password', '10.1.0.9')).user.email).toBe('target@example.com');
  });

  it('throttles a client address across emails', async () => {
    for (let i = 0; i < 5; i++) {
      await expect(
        sessions.login({
          email: `spray${i}@example.com`,
          password: 'whatever123',
          clientAddress: '10.2.0.1',
        }),
      ).rejects.toMatchObject({ code: 'invalid_credentials' });
    }
    await member('innocent@example.com');
    await expect(
      sessions.login({
        email: 'innocent@example.com',
        password: 'a good long password',
        clientAddress: '10.2.0.1',
      }),
    ).rejects.toMatchObject({ code: 'too_many_attempts' });
    expect(
      (
        await sessions.login({
          email: 'innocent@example.com',
          password: 'a good long password',
          clientAddress: '10.2.0.2',
        })
      ).user.email,
    ).toBe('innocent@example.com');
  });

  it('opens the one account of an email its password opens, passing over disabled and invited ones', async () => {
    const [other, third] = [newId('ten'), newId('ten')];
    await repos.tenants.create({ id: other, name: 'Other', created_at: 1, updated_at: 1 });
    await repos.tenants.create({ id: third, name: 'Third', created_at: 1, updated_at: 1 });
    const { user: here } = await member('shared@example.com');
    const { user: there } = await users.create(other, {
      email: 'shared@example.com',
      role: 'viewer',
      password: 'a good long password',
    });
    await users.create(third, { email: 'shared@example.com', role: 'viewer' });
    const login = (tenantId?: string | null) =>
      sessions.login({
        email: 'shared@example.com',
        password: 'a good long password',
        clientAddress: '10.7.0.1',
        ...(tenantId !== undefined && { tenantId }),
      });
    await expect(login()).rejects.toMatchObject({
      code: 'tenant_required',
      tenants: expect.arrayContaining([
        { id: tenantId, name: 'Acme' },
        { id: other, name: 'Other' },
      ]),
    });
    expect((await login(other)).user.id).toBe(there.id);
    await expect(login(null)).rejects.toMatchObject({ code: 'invalid_credentials' });
    await users.update(other, there.id, { disabled: true });
    expect((await login()).user.id).toBe(here.id);
    await expect(login(other)).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  const codesOf = (outcomes: PromiseSettledResult<unknown>[]) =>
    outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : 'signed in'));

  it('checks at most the limit of 20 concurrent wrong logins for one email', async () => {
    await member('raced@example.com');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        sessions.login({
          email: 'raced@example.com',
          password: 'guess number two',
          clientAddress: `10.5.0.${i}`,
        }),
      ),
    );
    const codes = codesOf(outcomes);
    expect(codes.filter((c) => c === 'invalid_credentials')).toHaveLength(3);
    expect(codes.filter((c) => c === 'too_many_attempts')).toHaveLength(17);
  });

  it('checks at most the limit of 20 concurrent wrong logins from one address', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        sessions.login({
          email: `crowd${i}@example.com`,
          password: 'guess number three',
          clientAddress: '10.6.0.1',
        }),
      ),
    );
    const codes = codesOf(outcomes);
    expect(codes.filter((c) => c === 'invalid_credentials')).toHaveLength(5);
    expect(codes.filter((c) => c === 'too_many_attempts')).toHaveLength(15);
  });

  it('ends a session after 12 idle hours, slides while used, and ends after 14 days regardless', async () => {
    await member('idle@example.com');
    const login = () =>
      sessions.login({
        email: 'idle@example.com',
        password: 'a good long password',
        clientAddress: '10.3.0.1',
      });
    const idle = await login();
    clock.now += SESSION_IDLE_MS - 1000;
    expect(await sessions.resolve(idle.token)).toBeDefined();
    clock.now += SESSION_IDLE_MS - 1000;
    expect(await sessions.resolve(idle.token)).toBeDefined();
    clock.now += SESSION_IDLE_MS + 1;
    expect(await sessions.resolve(idle.token)).toBeUndefined();

    const busy = await login();
    const end = clock.now + SESSION_MAX_MS;
    while (clock.now + SESSION_IDLE_MS / 2 < end) {
      clock.now += SESSION_IDLE_MS / 2;
      expect(await sessions.resolve(busy.token)).toBeDefined();
    }
    clock.now = end;
    expect(await sessions.resolve(busy.token)).toBeUndefined();
  });

  it('ends a session at logout, and every session of a member who is disabled', async () => {
    const { user } = await member('leaver@example.com');
    const login = () =>
      sessions.login({
        email: 'leaver@example.com',
        password: 'a good long password',
        clientAddress: '10.4.0.1',
      });
    const first = await login();
    await sessions.logout(first.session.id);
    expect(await sessions.resolve(first.token)).toBeUndefined();
    const second = await login();
    await users.update(tenantId, user.id, { disabled: true });
    expect(await sessions.resolve(second.token)).toBeUndefined();
    await expect(login()).rejects.toMatchObject({ code: 'invalid_credentials' });
  });
});
