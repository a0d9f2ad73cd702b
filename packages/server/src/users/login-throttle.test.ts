import { describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE_LIMITS as limits, throttleKeys, throttleWaitMs } from './login-throttle.ts';

describe('login throttle decision', () => {
  const keys = throttleKeys('ana@example.com', '203.0.113.9');

  it('lets logins through below the limits', () => {
    expect(throttleWaitMs([], keys, limits, 1000)).toBe(0);
    expect(throttleWaitMs([{ key: keys.email, failures: 9, window_started_at: 0 }], keys, limits, 1000)).toBe(
      0,
    );
    expect(
      throttleWaitMs([{ key: keys.address, failures: 29, window_started_at: 0 }], keys, limits, 1000),
    ).toBe(0);
  });

  it('blocks an email or an address at its limit until the window ends', () => {
    const email = { key: keys.email, failures: 10, window_started_at: 0 };
    expect(throttleWaitMs([email], keys, limits, 60_000)).toBe(limits.windowMs - 60_000);
    expect(throttleWaitMs([email], keys, limits, limits.windowMs)).toBe(0);
    const address = { key: keys.address, failures: 30, window_started_at: 1000 };
    expect(throttleWaitMs([address], keys, limits, 1000)).toBe(limits.windowMs);
  });

  it('keeps no email or address in the clear', () => {
    expect(keys.email).toMatch(/^[0-9a-f]{64}$/);
    expect(keys.address).not.toContain('203.0.113.9');
  });
});
