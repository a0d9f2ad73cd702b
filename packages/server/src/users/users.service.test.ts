import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { newId } from '../lib/ids.ts';
import { createRepositories, unitOfWork, type Repositories } from '../repositories/repositories.ts';
import { INVITE_TTL_MS, InvitesService } from './invites.service.ts';
import { SessionsService } from './sessions.service.ts';
import { UsersService } from './users.service.ts';

describe.each(DIALECTS)('members and invites on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  let users: UsersService;
  let invites: InvitesService;
  const clock = { now: 5_000_000 };
  const now = () => clock.now;
  const tenantA = newId('ten');
  const tenantB = newId('ten');
  const password = 'a good long password';

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    await repos.tenants.create({ id: tenantA, name: 'A', created_at: 1, updated_at: 1 });
    await repos.tenants.create({ id: tenantB, name: 'B', created_at: 2, updated_at: 2 });
    const transaction = unitOfWork(handle);
    users = new UsersService(repos, transaction, { now });
    invites = new InvitesService({ repos, transaction, sessions: new SessionsService(repos, { now }), now });
  });
  afterAll(() => handle.close());

  it('keeps a last admin: no demoting, disabling or removing them, even two at once', async () => {
    const { user: first } = await users.create(tenantA, { email: 'first@a.test', role: 'admin', password });
    for (const attempt of [
      () => users.update(tenantA, first.id, { role: 'editor' }),
      () => users.update(tenantA, first.id, { disabled: true }),
      () => users.remove(tenantA, first.id),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'last_admin' });
    }
    // An admin who has not accepted their invite cannot act, so does not count.
    const { user: invited } = await users.create(tenantA, { email: 'invited@a.test', role: 'admin' });
    await expect(users.remove(tenantA, first.id)).rejects.toMatchObject({ code: 'last_admin' });
    await users.remove(tenantA, invited.id);

    const { user: second } = await users.create(tenantA, { email: 'second@a.test', role: 'admin', password });
    const both = await Promise.allSettled([
      users.update(tenantA, first.id, { role: 'viewer' }),
      users.update(tenantA, second.id, { role: 'viewer' }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await repos.users.countActiveAdmins(tenantA)).toBe(1);
  });

  it('refuses a second account of an email in one tenant (any case), not in another tenant', async () => {
    await users.create(tenantA, { email: 'Dup@A.test', role: 'viewer', password });
    await expect(users.create(tenantA, { email: 'dup@a.TEST', role: 'admin' })).rejects.toMatchObject({
      code: 'email_taken',
    });
    const inB = await users.create(tenantB, { email: 'dup@a.TEST', role: 'viewer', password });
    expect(inB.user).toMatchObject({ tenant_id: tenantB, email: 'dup@a.test' });
    const operator = await users.createOperator({ email: 'DUP@a.test', password });
    expect(operator).toMatchObject({ created: true, user: { tenant_id: null, role: 'operator' } });
    await expect(users.createOperator({ email: 'dup@a.test', password })).rejects.toMatchObject({
      code: 'email_taken',
    });
    const reset = await users.createOperator({ email: 'dup@a.test', password, resetExisting: true });
    expect(reset).toMatchObject({ created: false, user: { id: operator.user.id } });
  });

  it('lets two concurrent adds of one email to one tenant make one account', async () => {
    const results = await Promise.allSettled([
      users.create(tenantB, { email: 'twice@b.test', role: 'viewer' }),
      users.create(tenantB, { email: 'twice@b.test', role: 'viewer' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'email_taken' } });
  });

  it('accepts an invite once, stores only its digest, and refuses it after 7 days', async () => {
    const { user, inviteToken } = await users.create(tenantA, { email: 'new@a.test', role: 'editor' });
    if (inviteToken === undefined) throw new Error('no invite');
    const rows = await handle.db.selectFrom('invites').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(inviteToken);
    expect(await invites.lookup(inviteToken)).toEqual({
      email: 'new@a.test',
      tenantName: 'A',
      role: 'editor',
    });

    const started = await invites.accept(inviteToken, { password, name: 'New Person' });
    expect(started.user).toMatchObject({ id: user.id, name: 'New Person' });
    await expect(invites.accept(inviteToken, { password })).rejects.toMatchObject({ code: 'invite_used' });
    await expect(invites.lookup(inviteToken)).rejects.toMatchObject({ code: 'invite_used' });
    await expect(invites.lookup('not-a-token')).rejects.toMatchObject({ code: 'not_found' });

    const late = await users.create(tenantA, { email: 'late@a.test', role: 'viewer' });
    clock.now += INVITE_TTL_MS;
    await expect(invites.accept(late.inviteToken ?? '', { password })).rejects.toMatchObject({
      code: 'invite_expired',
    });
    const again = await users.reinvite(tenantA, late.user.id);
    await expect(invites.lookup(late.inviteToken ?? '')).rejects.toMatchObject({ code: 'not_found' });
    expect((await invites.accept(again.inviteToken, { password })).user.email).toBe('late@a.test');
  });

  it('lets two accepts of one invite race: exactly one wins', async () => {
    const { inviteToken } = await users.create(tenantA, { email: 'race@a.test', role: 'viewer' });
    const results = await Promise.allSettled([
      invites.accept(inviteToken ?? '', { password }),
      invites.accept(inviteToken ?? '', { password }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('keeps tenants apart: another tenant’s member is not found', async () => {
    const { user } = await users.create(tenantB, { email: 'b@b.test', role: 'admin', password });
    await expect(users.get(tenantA, user.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(users.update(tenantA, user.id, { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(users.remove(tenantA, user.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await users.list(tenantA)).map((u) => u.id)).not.toContain(user.id);
  });
});
