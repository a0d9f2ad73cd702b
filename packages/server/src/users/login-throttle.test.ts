import { describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE_LIMITS as limits, throttleKeys, throttleWaitMs } from './login-throttle.ts';

describe('login throttle decision', () => {
  const keys = throttleKeys('ana@example.com', '203.0.113.9');
  const counted = (email: number, address: number, startedAt = 0) => ({
    email: { key: keys.email, failures: email, window_started_at: startedAt },
    address: { key: keys.address, failures: address, window_started_at: startedAt },
  });

  it('lets attempts up to the limits be checked', () => {
    expect(throttleWaitMs(counted(1, 1), limits, 1000)).toBe(0);
    expect(throttleWaitMs(counted(10, 30), limits, 1000)).toBe(0);
  });

  it('refuses an attempt past the limit of its email or address until the window ends', () => {
    expect(throttleWaitMs(counted(11, 1), limits, 60_000)).toBe(limits.windowMs - 60_000);
    expect(throttleWaitMs(counted(11, 1), limits, limits.windowMs)).toBe(0);
    expect(throttleWaitMs(counted(1, 31, 1000), limits, 1000)).toBe(limits.windowMs);
  });

  it('keeps no email or address in the clear', () => {
    expect(keys.email).toMatch(/^[0-9a-f]{64}$/);
    expect(keys.address).not.toContain('203.0.113.9');
  });
});
