import type { Db } from '../db/database.ts';
import type { SessionRow, UserRow } from '../db/schema.ts';

export interface SessionWithUser {
  session: SessionRow;
  user: UserRow;
}

export class SessionsRepository {
  constructor(private readonly db: Db) {}

  async create(row: SessionRow): Promise<SessionRow> {
    await this.db.insertInto('sessions').values(row).execute();
    return row;
  }

  /** The unrevoked session with this secret digest and its user; expiry is the caller's rule. */
  async findUnrevoked(secretHash: string): Promise<SessionWithUser | undefined> {
    const row = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.id as s_id',
        's.secret_hash as s_secret_hash',
        's.user_id as s_user_id',
        's.csrf_token as s_csrf_token',
        's.created_at as s_created_at',
        's.last_seen_at as s_last_seen_at',
        's.expires_at as s_expires_at',
        's.revoked_at as s_revoked_at',
      ])
      .selectAll('u')
      .where('s.secret_hash', '=', secretHash)
      .where('s.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const {
      s_id,
      s_secret_hash,
      s_user_id,
      s_csrf_token,
      s_created_at,
      s_last_seen_at,
      s_expires_at,
      s_revoked_at,
      ...user
    } = row;
    return {
      session: {
        id: s_id,
        secret_hash: s_secret_hash,
        user_id: s_user_id,
        csrf_token: s_csrf_token,
        created_at: s_created_at,
        last_seen_at: s_last_seen_at,
        expires_at: s_expires_at,
        revoked_at: s_revoked_at,
      },
      user,
    };
  }

  /** Records activity at most once a minute per session, so a request is not a write. */
  async touch(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('id', '=', id)
      .where('last_seen_at', '<', now - 60_000)
      .execute();
  }

  async revoke(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeAllOfUser(userId: string, now: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Forgets a user's sessions that ended before `before` (revoked, or past their absolute end). */
  async pruneEndedOfUser(userId: string, before: number): Promise<void> {
    await this.db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('revoked_at', '<', before), eb('expires_at', '<', before)]))
      .execute();
  }
}
