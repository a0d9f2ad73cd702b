import { isReadOnlyDatabaseError } from '../db/read-only-error.ts';
import type { SessionRow, UserRow } from '../db/schema.ts';
import { ApiError } from '../http/problem.ts';
import { newId, randomToken } from '../lib/ids.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { digestOf, newAccountSecret, normalizeEmail } from './account-secrets.ts';
import {
  DEFAULT_THROTTLE_LIMITS,
  throttleKeys,
  throttleWaitMs,
  type ThrottleKeys,
  type ThrottleLimits,
} from './login-throttle.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { SESSION_MAX_MS, sessionIsLive } from './session-policy.ts';
import type { SessionWithUser } from './sessions.repository.ts';
import { TenantRequiredError, tenantChoices } from './tenant-choice.ts';

/** A session just opened: the cookie secret exists only here and in the client's cookie. */
export interface StartedSession extends SessionWithUser {
  token: string;
}

export class TooManyAttemptsError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super('too_many_attempts', `too many failed logins: try again in ${retryAfterSeconds} seconds`, {
      retryAfterSeconds,
    });
  }
}

/** Logins, sessions and logouts of people. */
export class SessionsService {
  private readonly limits: ThrottleLimits;
  private readonly now: () => number;
  private decoyHash: Promise<string> | undefined;

  constructor(
    private readonly repos: Pick<Repositories, 'users' | 'sessions' | 'loginThrottle' | 'tenants'>,
    opts: { now?: () => number; limits?: Partial<ThrottleLimits> } = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.limits = { ...DEFAULT_THROTTLE_LIMITS, ...opts.limits };
  }

  /**
   * Checks an email and password, throttled per email and per client address, and opens a
   * session in the one account the password opens. Accounts are per tenant, so an email may have
   * several: `tenantId` picks one (null: the operator account); without it, a password that opens
   * more than one throws TenantRequiredError.
   */
  async login(input: {
    email: string;
    password: string;
    clientAddress: string;
    tenantId?: string | null | undefined;
  }): Promise<StartedSession> {
    const email = normalizeEmail(input.email);
    const keys = throttleKeys(email, input.clientAddress);
    await this.countAttempt(keys);

    const candidates = (await this.repos.users.listByEmail(email)).filter(
      (u) =>
        u.password_hash !== null &&
        u.disabled_at === null &&
        (input.tenantId === undefined || u.tenant_id === input.tenantId),
    );
    const opened = await this.accountsOpenedBy(input.password, candidates);
    const [user, ...more] = opened;
    if (user === undefined) {
      await this.repos.loginThrottle.pruneBefore(this.now() - this.limits.windowMs);
      throw new ApiError('invalid_credentials', 'the email or the password is wrong');
    }
    // A good login forgets its email's failures, and does not count against its address.
    await this.repos.loginThrottle.clear(keys.email);
    await this.repos.loginThrottle.uncount(keys.address);
    if (more.length > 0) throw new TenantRequiredError(await tenantChoices(this.repos.tenants, opened));
    return this.start(user);
  }

  /**
   * The accounts whose password this is, checked side by side. With none to check, a decoy hash
   * is, so an unknown email costs as long as a known one.
   */
  private async accountsOpenedBy(password: string, accounts: UserRow[]): Promise<UserRow[]> {
    if (accounts.length === 0) {
      await verifyPassword(password, await this.decoy());
      return [];
    }
    const verdicts = await Promise.all(accounts.map((u) => verifyPassword(password, u.password_hash ?? '')));
    return accounts.filter((_, i) => verdicts[i]);
  }

  /**
   * Counts the attempt before its password is checked, so that of many concurrent attempts only
   * the limit's worth are checked; the rest, and every attempt after them in the window, are
   * refused (refused attempts count too).
   */
  private async countAttempt(keys: ThrottleKeys): Promise<void> {
    const now = this.now();
    const { windowMs } = this.limits;
    const counted = {
      email: await this.repos.loginThrottle.countAttempt(keys.email, now, windowMs),
      address: await this.repos.loginThrottle.countAttempt(keys.address, now, windowMs),
    };
    const waitMs = throttleWaitMs(counted, this.limits, now);
    if (waitMs > 0) throw new TooManyAttemptsError(Math.ceil(waitMs / 1000));
  }

  /** Opens a session for a user who has just proven who they are. */
  async start(user: UserRow): Promise<StartedSession> {
    const now = this.now();
    const token = newAccountSecret();
    const session: SessionRow = {
      id: newId('ses', now),
      secret_hash: digestOf(token),
      user_id: user.id,
      csrf_token: newAccountSecret(),
      created_at: now,
      last_seen_at: now,
      expires_at: now + SESSION_MAX_MS,
      revoked_at: null,
    };
    await this.repos.sessions.create(session);
    await this.repos.users.recordLogin(user.id, now);
    await this.repos.sessions.pruneEndedOfUser(user.id, now);
    return { token, session, user: { ...user, last_login_at: now } };
  }

  /** The live session of a cookie secret and its (enabled) user; records the activity. */
  async resolve(token: string): Promise<SessionWithUser | undefined> {
    const found = await this.repos.sessions.findUnrevoked(digestOf(token));
    const now = this.now();
    if (!found || !sessionIsLive(found.session, now)) return undefined;
    if (found.user.disabled_at !== null || found.user.password_hash === null) return undefined;
    await this.repos.sessions.touch(found.session.id, now).catch((err: unknown) => {
      if (!isReadOnlyDatabaseError(err)) throw err;
    });
    return found;
  }

  async logout(sessionId: string): Promise<void> {
    await this.repos.sessions.revoke(sessionId, this.now());
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= hashPassword(randomToken(16));
    return this.decoyHash;
  }
}
