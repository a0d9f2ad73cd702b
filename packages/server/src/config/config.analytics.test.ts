import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const DAY = 86_400_000;

describe('loadConfig: analytics retention', () => {
  it('keeps per-view rows 90 days and hourly rollups 761 days (about 25 months) by default', () => {
    expect(loadConfig({}).analytics).toEqual({ viewRetentionMs: 90 * DAY, rollupRetentionMs: 761 * DAY });
  });

  it('reads KINO_ANALYTICS_VIEW_RETENTION and KINO_ANALYTICS_ROLLUP_RETENTION in hours or days', () => {
    const c = loadConfig({ KINO_ANALYTICS_VIEW_RETENTION: '48h', KINO_ANALYTICS_ROLLUP_RETENTION: '400d' });
    expect(c.analytics).toEqual({ viewRetentionMs: 48 * 3_600_000, rollupRetentionMs: 400 * DAY });
  });

  it.each([
    [{ KINO_ANALYTICS_VIEW_RETENTION: '90' }, /^KINO_ANALYTICS_VIEW_RETENTION: use a period/],
    [{ KINO_ANALYTICS_ROLLUP_RETENTION: '0d' }, /^KINO_ANALYTICS_ROLLUP_RETENTION: use a period/],
    [
      { KINO_ANALYTICS_VIEW_RETENTION: '100d', KINO_ANALYTICS_ROLLUP_RETENTION: '30d' },
      /^KINO_ANALYTICS_ROLLUP_RETENTION: must be at least KINO_ANALYTICS_VIEW_RETENTION/,
    ],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
