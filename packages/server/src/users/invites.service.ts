import type { TenantUserRole, UserRow } from '../db/schema.ts';
import { ApiError, notFound } from '../http/problem.ts';
import { newId } from '../lib/ids.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { digestOf, newAccountSecret } from './account-secrets.ts';
import type { InviteWithUser, InvitesRepository } from './invites.repository.ts';
import { hashPassword } from './password.ts';
import type { SessionsService, StartedSession } from './sessions.service.ts';

export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Stores a new invite for a user and returns its token, the only copy (it goes into the invite URL). */
export async function issueInvite(invites: InvitesRepository, userId: string, now: number): Promise<string> {
  const token = newAccountSecret();
  await invites.create({
    id: newId('inv', now),
    token_hash: digestOf(token),
    user_id: userId,
    created_at: now,
    expires_at: now + INVITE_TTL_MS,
    accepted_at: null,
  });
  return token;
}

export interface InviteSummary {
  email: string;
  tenantName: string | null;
  role: TenantUserRole;
}

/** Invitations as their recipient sees them: look one up, then accept it once. */
export class InvitesService {
  private readonly now: () => number;

  constructor(
    private readonly deps: {
      repos: Pick<Repositories, 'invites' | 'tenants'>;
      transaction: UnitOfWork;
      sessions: SessionsService;
      now?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
  }

  async lookup(token: string): Promise<InviteSummary> {
    const { user } = await this.open(token);
    const tenant = user.tenant_id === null ? undefined : await this.deps.repos.tenants.get(user.tenant_id);
    return { email: user.email, tenantName: tenant?.name ?? null, role: user.role as TenantUserRole };
  }

  /** Sets the member's password (and name), uses up the invite and opens a session. */
  async accept(
    token: string,
    input: { password: string; name?: string | undefined },
  ): Promise<StartedSession> {
    const { invite } = await this.open(token);
    const passwordHash = await hashPassword(input.password);
    const user = await this.deps.transaction(async (repos): Promise<UserRow> => {
      if (!(await repos.invites.markAccepted(invite.id, this.now()))) throw used();
      const member = await repos.users.get(invite.user_id);
      if (!member || member.disabled_at !== null) throw notFound('invite');
      await repos.users.setPassword(member.id, passwordHash, this.now(), input.name);
      return { ...member, password_hash: passwordHash, name: input.name ?? member.name };
    });
    return this.deps.sessions.start(user);
  }

  /** The invite of a token while it can still be used: 404 when unknown, 410 when used or expired. */
  private async open(token: string): Promise<InviteWithUser> {
    const found = await this.deps.repos.invites.findByTokenHash(digestOf(token));
    if (!found || found.user.role === 'operator' || found.user.disabled_at !== null) throw notFound('invite');
    if (found.invite.accepted_at !== null) throw used();
    if (found.invite.expires_at <= this.now()) {
      throw new ApiError(
        'invite_expired',
        'this invite has expired: ask an admin of the tenant for a new one',
      );
    }
    return found;
  }
}

const used = () => new ApiError('invite_used', 'this invite has been used already: log in instead');
