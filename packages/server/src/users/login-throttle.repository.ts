import type { Db } from '../db/database.ts';

export interface ThrottleRow {
  key: string;
  failures: number;
  window_started_at: number;
}

/** Failed-login counters in the database, so every API process sees the same ones. */
export class LoginThrottleRepository {
  constructor(private readonly db: Db) {}

  get(keys: string[]): Promise<ThrottleRow[]> {
    return this.db.selectFrom('login_throttle').selectAll().where('key', 'in', keys).execute();
  }

  /** Counts one failure in the key's window, opening a new window when the old one has ended. */
  async recordFailure(key: string, now: number, windowMs: number): Promise<void> {
    const windowOver = now - windowMs;
    await this.db
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
      .execute();
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('key', '=', key).execute();
  }

  async pruneBefore(before: number): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('window_started_at', '<', before).execute();
  }
}
