import type { Db } from '../db/database.ts';
import { newId, randomToken } from '../lib/ids.ts';

export interface SigningKey {
  id: string;
  secret: string;
}

/** HMAC keys for playback tokens, shared by every process through the database. */
export class SigningKeysRepository {
  constructor(private readonly db: Db) {}

  /** The newest active key, created on first use (two processes racing both create one: both are valid). */
  async current(now: number): Promise<SigningKey> {
    const existing = await this.db
      .selectFrom('signing_keys')
      .select(['id', 'secret'])
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return existing ?? this.create(now);
  }

  /**
   * Signs new tokens with a fresh key from now on. The keys it replaces are retired, not removed:
   * they still verify the tokens they signed until those expire.
   */
  async rotate(now: number): Promise<SigningKey & { createdAt: number }> {
    const key = await this.create(now);
    await this.db
      .updateTable('signing_keys')
      .set({ retired_at: now })
      .where('retired_at', 'is', null)
      .where('id', '!=', key.id)
      .execute();
    return { ...key, createdAt: now };
  }

  /**
   * Every key that can still verify tokens: active ones, and retired ones for `tokenLifetimeMs`
   * after they were retired (no token they signed lives longer).
   */
  verifying(now: number, tokenLifetimeMs: number): Promise<SigningKey[]> {
    return this.db
      .selectFrom('signing_keys')
      .select(['id', 'secret'])
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', now - tokenLifetimeMs)]))
      .execute();
  }

  private async create(now: number): Promise<SigningKey> {
    const key = { id: newId('sk', now), secret: randomToken(32) };
    await this.db
      .insertInto('signing_keys')
      .values({ ...key, created_at: now, retired_at: null })
      .execute();
    return key;
  }
}
