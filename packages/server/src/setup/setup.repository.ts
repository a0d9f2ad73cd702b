import type { Db } from '../db/database.ts';

export interface SetupCodeRow {
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

/** The first run's one-time codes (hashes only), and whether anyone can sign in yet. */
export class SetupRepository {
  constructor(private readonly db: Db) {}

  async addCode(codeHash: string, now: number): Promise<void> {
    await this.db
      .insertInto('setup_codes')
      .values({ code_hash: codeHash, created_at: now, used_at: null })
      .execute();
  }

  /** Every code issued so far (a few: one per start of an API process before setup). */
  listCodes(): Promise<SetupCodeRow[]> {
    return this.db.selectFrom('setup_codes').selectAll().orderBy('created_at', 'asc').execute();
  }

  /** Whether a code has been used: setup has happened, and never happens again. */
  async anyUsed(): Promise<boolean> {
    const row = await this.db
      .selectFrom('setup_codes')
      .select('code_hash')
      .where('used_at', 'is not', null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether any account exists, in a tenant or the operator's. */
  async anyUser(): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Marks every unused code used and returns their hashes. In a transaction this is the lock of
   * the setup: a concurrent one waits for it (PostgreSQL row locks; SQLite's writer lock) and then
   * finds no unused code left.
   */
  async useAll(now: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('setup_codes')
      .set({ used_at: now })
      .where('used_at', 'is', null)
      .returning('code_hash')
      .execute();
    return rows.map((r) => r.code_hash);
  }
}
