import type { Db } from '../db/database.ts';

export interface ThrottleRow {
  key: string;
  /** Attempts counted in the window: failures, and attempts still being checked. */
  failures: number;
  window_started_at: number;
}

/** Login attempt counters in the database, so every API process sees the same ones. */
export class LoginThrottleRepository {
  constructor(private readonly db: Db) {}

  /**
   * Counts one attempt in the key's window (a new window when the old one has ended) and returns
   * the counter as this attempt left it. One statement, so concurrent attempts each see their own
   * count.
   */
  async countAttempt(key: string, now: number, windowMs: number): Promise<ThrottleRow> {
    const windowOver = now - windowMs;
    return this.db
      .insertInto('login_throttle')
      .values({ key, failures: 1, window_started_at: now })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          failures: eb
            .case()
            .when('login_throttle.window_started_at', '<=', windowOver)
            .then(1)
            .else(eb('login_throttle.failures', '+', 1))
            .end(),
          window_started_at: eb
            .case()
            .when('login_throttle.window_started_at', '<=', windowOver)
            .then(now)
            .else(eb.ref('login_throttle.window_started_at'))
            .end(),
        })),
      )
      .returning(['key', 'failures', 'window_started_at'])
      .executeTakeFirstOrThrow();
  }

  /** Takes back one counted attempt (it turned out to be a good login). */
  async uncount(key: string): Promise<void> {
    await this.db
      .updateTable('login_throttle')
      .set((eb) => ({ failures: eb('failures', '-', 1) }))
      .where('key', '=', key)
      .where('failures', '>', 0)
      .execute();
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('key', '=', key).execute();
  }

  async pruneBefore(before: number): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('window_started_at', '<', before).execute();
  }
}
