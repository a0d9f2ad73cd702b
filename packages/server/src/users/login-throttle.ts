import { digestOf } from './account-secrets.ts';
import type { ThrottleRow } from './login-throttle.repository.ts';

export interface ThrottleLimits {
  /** Failures allowed per email in a window. */
  perEmail: number;
  /** Failures allowed per client address in a window (several people may share one). */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  perEmail: 10,
  perAddress: 30,
  windowMs: 15 * 60 * 1000,
};

export interface ThrottleKeys {
  email: string;
  address: string;
}

/** Keys are digests: the table holds no email or address in the clear. */
export function throttleKeys(email: string, address: string): ThrottleKeys {
  return { email: digestOf(`email:${email}`), address: digestOf(`ip:${address}`) };
}

/** How long logins for these keys must wait, in ms; 0 when they may try now. */
export function throttleWaitMs(
  rows: readonly ThrottleRow[],
  keys: ThrottleKeys,
  limits: ThrottleLimits,
  now: number,
): number {
  let wait = 0;
  for (const row of rows) {
    const limit = row.key === keys.email ? limits.perEmail : limits.perAddress;
    const windowEnds = row.window_started_at + limits.windowMs;
    if (row.failures >= limit && windowEnds > now) wait = Math.max(wait, windowEnds - now);
  }
  return wait;
}
