import type { TenantRow, TenantUserRole, UserRow } from '../db/schema.ts';
import { ApiError, notFound } from '../http/problem.ts';
import { newId } from '../lib/ids.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { normalizeEmail } from './account-secrets.ts';
import { issueInvite } from './invites.service.ts';
import { hashPassword } from './password.ts';

export interface NewMember {
  email: string;
  name?: string | undefined;
  role: TenantUserRole;
  /** With a password the member can log in at once; without, they get an invitation. */
  password?: string | undefined;
}

export interface MemberChanges {
  role?: TenantUserRole | undefined;
  name?: string | undefined;
  disabled?: boolean | undefined;
}

/** An admin who can act: the one the last-admin rule protects. */
const isActiveAdmin = (u: Pick<UserRow, 'role' | 'disabled_at' | 'password_hash'>) =>
  u.role === 'admin' && u.disabled_at === null && u.password_hash !== null;

/** Members of tenants (added, invited, changed, removed) and the operator's users. */
export class UsersService {
  private readonly now: () => number;

  constructor(
    private readonly repos: Pick<Repositories, 'users' | 'tenants' | 'invites'>,
    private readonly transaction: UnitOfWork,
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async tenant(tenantId: string): Promise<TenantRow> {
    const tenant = await this.repos.tenants.get(tenantId);
    if (!tenant) throw notFound('tenant');
    return tenant;
  }

  async list(tenantId: string): Promise<UserRow[]> {
    await this.tenant(tenantId);
    return this.repos.users.listForTenant(tenantId);
  }

  async get(tenantId: string, userId: string): Promise<UserRow> {
    const user = await this.repos.users.getInTenant(tenantId, userId);
    if (!user) throw notFound('user');
    return user;
  }

  /** Adds a member; without a password, also an invite whose token is returned (once). */
  async create(tenantId: string, input: NewMember): Promise<{ user: UserRow; inviteToken?: string }> {
    await this.tenant(tenantId);
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    return this.insertUser(tenantId, input.email, async (repos, now) => {
      const user = await repos.users.create(
        this.newUserRow(
          { tenantId, email: input.email, name: input.name, role: input.role, passwordHash },
          now,
        ),
      );
      if (passwordHash !== null) return { user };
      return { user, inviteToken: await issueInvite(repos.invites, user.id, now) };
    });
  }

  /** A new invite for a member who has not set a password yet; earlier invites stop working. */
  async reinvite(tenantId: string, userId: string): Promise<{ user: UserRow; inviteToken: string }> {
    return this.transaction(async (repos) => {
      const user = await repos.users.getInTenant(tenantId, userId);
      if (!user) throw notFound('user');
      if (user.password_hash !== null)
        throw new ApiError('conflict', 'this member has already accepted an invite');
      if (user.disabled_at !== null) throw new ApiError('conflict', 'this member is disabled');
      await repos.invites.deleteUnacceptedOfUser(user.id);
      return { user, inviteToken: await issueInvite(repos.invites, user.id, this.now()) };
    });
  }

  async update(tenantId: string, userId: string, changes: MemberChanges): Promise<UserRow> {
    const now = this.now();
    return this.transaction(async (repos) => {
      const user = await this.lockedMember(repos, tenantId, userId);
      const next = {
        ...user,
        role: changes.role ?? user.role,
        name: changes.name ?? user.name,
        disabled_at:
          changes.disabled === undefined
            ? user.disabled_at
            : changes.disabled
              ? (user.disabled_at ?? now)
              : null,
      };
      if (isActiveAdmin(user) && !isActiveAdmin(next)) await this.keepAnAdmin(repos, tenantId);
      await repos.users.update(
        tenantId,
        userId,
        { role: next.role, name: next.name, disabled_at: next.disabled_at },
        now,
      );
      if (next.disabled_at !== null && user.disabled_at === null) {
        // A disabled member is logged out everywhere and their invite stops working.
        await repos.sessions.revokeAllOfUser(userId, now);
        await repos.invites.deleteUnacceptedOfUser(userId);
      }
      return { ...next, updated_at: now };
    });
  }

  async remove(tenantId: string, userId: string): Promise<void> {
    await this.transaction(async (repos) => {
      const user = await this.lockedMember(repos, tenantId, userId);
      if (isActiveAdmin(user)) await this.keepAnAdmin(repos, tenantId);
      await repos.users.delete(tenantId, userId);
    });
  }

  /** An operator user (no tenant), or a new password for an existing one. */
  async createOperator(input: {
    email: string;
    password: string;
    name?: string | undefined;
    resetExisting?: boolean;
  }): Promise<{ user: UserRow; created: boolean }> {
    const passwordHash = await hashPassword(input.password);
    const existing = await this.repos.users.findByEmailIn(null, normalizeEmail(input.email));
    if (existing && input.resetExisting) {
      const now = this.now();
      await this.repos.users.setPassword(existing.id, passwordHash, now, input.name);
      return { user: { ...existing, password_hash: passwordHash, updated_at: now }, created: false };
    }
    const { user } = await this.insertUser(null, input.email, async (repos, now) => ({
      user: await repos.users.create(
        this.newUserRow(
          { tenantId: null, email: input.email, name: input.name, role: 'operator', passwordHash },
          now,
        ),
      ),
    }));
    return { user, created: true };
  }

  private newUserRow(
    input: {
      tenantId: string | null;
      email: string;
      name: string | undefined;
      role: UserRow['role'];
      passwordHash: string | null;
    },
    now: number,
  ): UserRow {
    return {
      id: newId('usr', now),
      tenant_id: input.tenantId,
      email: normalizeEmail(input.email),
      name: input.name ?? '',
      role: input.role,
      password_hash: input.passwordHash,
      created_at: now,
      updated_at: now,
      last_login_at: null,
      disabled_at: null,
    };
  }

  /**
   * Inserts in a transaction; an email taken in the same tenant (or among operator users), even by
   * a concurrent insert, is a 409. Other tenants' accounts are neither checked nor revealed.
   */
  private async insertUser<T extends { user: UserRow }>(
    tenantId: string | null,
    email: string,
    work: (repos: Repositories, now: number) => Promise<T>,
  ): Promise<T> {
    const taken = () =>
      new ApiError(
        'email_taken',
        tenantId === null
          ? 'an operator user with this email exists already'
          : 'a member with this email exists already in this tenant',
      );
    try {
      return await this.transaction(async (repos) => {
        if (await repos.users.findByEmailIn(tenantId, normalizeEmail(email))) throw taken();
        return work(repos, this.now());
      });
    } catch (err) {
      // Two inserts of one email into one tenant at once: the unique index refuses the second.
      const message = err instanceof Error ? err.message : '';
      if (!(err instanceof ApiError) && /unique|duplicate/i.test(message) && /email/i.test(message))
        throw taken();
      throw err;
    }
  }

  private async lockedMember(repos: Repositories, tenantId: string, userId: string): Promise<UserRow> {
    if (!(await repos.users.lockTenant(tenantId))) throw notFound('tenant');
    const user = await repos.users.getInTenant(tenantId, userId);
    if (!user) throw notFound('user');
    return user;
  }

  private async keepAnAdmin(repos: Repositories, tenantId: string): Promise<void> {
    if ((await repos.users.countActiveAdmins(tenantId)) <= 1) {
      throw new ApiError('last_admin', 'a tenant keeps at least one admin: make another member admin first');
    }
  }
}
