import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('job lease settings', () => {
  it('default to a 30 s lease renewed every 5 s', () => {
    expect(loadConfig({}).jobLease).toEqual({ leaseMs: 30_000, heartbeatMs: 5_000 });
  });

  it('beat six times per lease unless told otherwise', () => {
    expect(loadConfig({ KINO_JOB_LEASE_MS: '3000' }).jobLease).toEqual({ leaseMs: 3000, heartbeatMs: 500 });
  });

  it('can be shortened, for tests that kill workers', () => {
    const c = loadConfig({ KINO_JOB_LEASE_MS: '4000', KINO_JOB_HEARTBEAT_MS: '1000' });
    expect(c.jobLease).toEqual({ leaseMs: 4000, heartbeatMs: 1000 });
  });

  it.each([
    [{ KINO_JOB_LEASE_MS: '500' }, /^KINO_JOB_LEASE_MS: /],
    [
      { KINO_JOB_LEASE_MS: '4000', KINO_JOB_HEARTBEAT_MS: '3000' },
      /^KINO_JOB_HEARTBEAT_MS: must be at most half/,
    ],
    [{ KINO_JOB_HEARTBEAT_MS: 'soon' }, /^KINO_JOB_HEARTBEAT_MS: /],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
