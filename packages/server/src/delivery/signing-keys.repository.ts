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
      .executeTakeFirst();
    if (existing) return existing;
    const key = { id: newId('sk', now), secret: randomToken(32) };
    await this.db
      .insertInto('signing_keys')
      .values({ ...key, created_at: now, retired_at: null })
      .execute();
    return key;
  }

  /** Every key that can still verify tokens (retired keys too: their tokens live until expiry). */
  all(): Promise<SigningKey[]> {
    return this.db.selectFrom('signing_keys').select(['id', 'secret']).execute();
  }
}
