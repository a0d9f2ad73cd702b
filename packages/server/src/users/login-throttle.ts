import { digestOf } from './account-secrets.ts';
import type { ThrottleRow } from './login-throttle.repository.ts';

export interface ThrottleLimits {
  /** Failed (or still unchecked) attempts allowed per email in a window. */
  perEmail: number;
  /** The same per client address (several people may share one). */
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

/**
 * How long an attempt must wait, in ms, given the counters it left (its own attempt counted):
 * 0 when it may be checked now. A counter past its limit refuses until its window ends.
 */
export function throttleWaitMs(
  counted: { email: ThrottleRow; address: ThrottleRow },
  limits: ThrottleLimits,
  now: number,
): number {
  let wait = 0;
  for (const [row, limit] of [
    [counted.email, limits.perEmail],
    [counted.address, limits.perAddress],
  ] as const) {
    const windowEnds = row.window_started_at + limits.windowMs;
    if (row.failures > limit && windowEnds > now) wait = Math.max(wait, windowEnds - now);
  }
  return wait;
}
