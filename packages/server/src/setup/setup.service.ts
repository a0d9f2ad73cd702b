import { randomInt } from 'node:crypto';
import type { UserRow } from '../db/schema.ts';
import { ApiError } from '../http/problem.ts';
import { newId } from '../lib/ids.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { digestOf, normalizeEmail, sameSecret } from '../users/account-secrets.ts';
import { DEFAULT_THROTTLE_LIMITS } from '../users/login-throttle.ts';
import { hashPassword } from '../users/password.ts';
import type { SessionsService, StartedSession } from '../users/sessions.service.ts';
import type { SetupRepository } from './setup.repository.ts';

/** Letters and digits that cannot be mistaken for one another when typed from a terminal. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_GROUPS = 4;
const GROUP_LENGTH = 4;

/** A new setup code: 16 characters of 32 (80 random bits), in groups of four: `K7QM-2XPA-…`. */
export function newSetupCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < CODE_GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i++) group += CODE_ALPHABET.charAt(randomInt(CODE_ALPHABET.length));
    groups.push(group);
  }
  return groups.join('-');
}

/** A code as typed: case, spaces and dashes do not matter. */
export const normalizeSetupCode = (code: string): string => code.toUpperCase().replace(/[\s-]+/g, '');

const setupCodeHash = (code: string): string => digestOf(`setup:${normalizeSetupCode(code)}`);

export class TooManySetupAttemptsError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super('too_many_attempts', `too many setup attempts: try again in ${retryAfterSeconds} seconds`, {
      retryAfterSeconds,
    });
  }
}

export interface FirstAdministrator {
  code: string;
  organisation: string;
  name: string;
  email: string;
  password: string;
  clientAddress: string;
}

/** Setup is over once a code has been used, or someone has an account (made another way). */
async function setupIsOver(repo: SetupRepository): Promise<boolean> {
  return (await repo.anyUsed()) || (await repo.anyUser());
}

/**
 * At the start of an API process: a new one-time code while setup is open (no code used, no
 * account yet), else undefined. Only its hash is stored, so a restart cannot print an earlier code
 * again: it issues a new one. Codes of earlier starts (and of other processes of a cluster) keep
 * working until setup, which uses them all up.
 *
 * @example const code = await issueSetupCode(kino.repos.setup);
 */
export async function issueSetupCode(repo: SetupRepository, now = Date.now()): Promise<string | undefined> {
  if (await setupIsOver(repo)) return undefined;
  const code = newSetupCode();
  await repo.addCode(setupCodeHash(code), now);
  return code;
}

export interface SetupLimits {
  /** Attempts (wrong codes included) one client address may make in a window. */
  perAddress: number;
  windowMs: number;
}

/**
 * The first run: while no one has set Kino up, each API process that starts issues a one-time code
 * (printed on its terminal; only its hash is stored). A person holding one creates the first
 * tenant and its administrator, and is signed in. After that, setup is over for good.
 */
export class SetupService {
  private readonly repo: SetupRepository;
  private readonly throttle: Repositories['loginThrottle'];
  private readonly transaction: UnitOfWork;
  private readonly now: () => number;
  private readonly limits: SetupLimits;

  constructor(
    deps: { repos: Pick<Repositories, 'setup' | 'loginThrottle'>; transaction: UnitOfWork },
    private readonly sessions: Pick<SessionsService, 'start'>,
    opts: { now?: () => number; limits?: Partial<SetupLimits> } = {},
  ) {
    this.repo = deps.repos.setup;
    this.throttle = deps.repos.loginThrottle;
    this.transaction = deps.transaction;
    this.now = opts.now ?? Date.now;
    this.limits = {
      perAddress: DEFAULT_THROTTLE_LIMITS.perEmail,
      windowMs: DEFAULT_THROTTLE_LIMITS.windowMs,
      ...opts.limits,
    };
  }

  private done(): Promise<boolean> {
    return setupIsOver(this.repo);
  }

  /** A new code while setup is open, else undefined (see issueSetupCode). */
  issueCode(): Promise<string | undefined> {
    return issueSetupCode(this.repo, this.now());
  }

  /** Whether the console should offer "Create the first administrator". */
  async needed(): Promise<boolean> {
    if (await this.done()) return false;
    return (await this.repo.listCodes()).some((c) => c.used_at === null);
  }

  /**
   * Creates the first tenant and its admin in one transaction, using up every code, and opens a
   * session for them. A used code is 403 `invalid_setup_code`; any other code once setup is over,
   * 409 `already_set_up`; a code Kino never issued, 403.
   */
  async createFirstAdministrator(input: FirstAdministrator): Promise<StartedSession> {
    await this.countAttempt(input.clientAddress);
    const presented = setupCodeHash(input.code);
    const invalid = () =>
      new ApiError('invalid_setup_code', 'this setup code is not valid, or has been used');
    const alreadySetUp = () =>
      new ApiError(
        'already_set_up',
        'Kino is set up already: sign in, or ask an administrator to invite you',
      );

    // Every stored hash is compared, each in constant time.
    const match = (await this.repo.listCodes()).filter((c) => sameSecret(presented, c.code_hash))[0];
    if (match?.used_at != null) throw invalid();
    if (await this.done()) throw alreadySetUp();
    if (!match) throw invalid();

    const passwordHash = await hashPassword(input.password);
    const user = await this.transaction(async (repos) => {
      const now = this.now();
      const unused = await repos.setup.useAll(now);
      if (!unused.includes(match.code_hash)) throw invalid();
      if (await repos.setup.anyUser()) throw alreadySetUp();
      const tenant = await repos.tenants.create({
        id: newId('ten', now),
        name: input.organisation,
        created_at: now,
        updated_at: now,
      });
      const admin: UserRow = {
        id: newId('usr', now),
        tenant_id: tenant.id,
        email: normalizeEmail(input.email),
        name: input.name,
        role: 'admin',
        password_hash: passwordHash,
        created_at: now,
        updated_at: now,
        last_login_at: null,
        disabled_at: null,
      };
      return repos.users.create(admin);
    });
    await this.throttle.clear(this.throttleKey(input.clientAddress));
    return this.sessions.start(user);
  }

  private throttleKey(clientAddress: string): string {
    return digestOf(`setup-ip:${clientAddress}`);
  }

  /** Counted before the code is checked, like a login: past the limit, 429 until the window ends. */
  private async countAttempt(clientAddress: string): Promise<void> {
    const now = this.now();
    const row = await this.throttle.countAttempt(this.throttleKey(clientAddress), now, this.limits.windowMs);
    const windowEnds = row.window_started_at + this.limits.windowMs;
    if (row.failures > this.limits.perAddress && windowEnds > now) {
      throw new TooManySetupAttemptsError(Math.ceil((windowEnds - now) / 1000));
    }
  }
}
