import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig: playback settings', () => {
  it('streams from storage and trusts no proxy by default', () => {
    const c = loadConfig({});
    expect(c.playRedirect).toBe('stream');
    expect(c.trustProxy).toBe(false);
  });

  it('reads KINO_PLAY_REDIRECT and KINO_TRUST_PROXY', () => {
    expect(loadConfig({ KINO_PLAY_REDIRECT: 'presigned' }).playRedirect).toBe('presigned');
    expect(loadConfig({ KINO_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ KINO_TRUST_PROXY: '10.0.0.0/8,::1,loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '::1',
      'loopback',
    ]);
  });

  it.each([
    [{ KINO_PLAY_REDIRECT: 'always' }, /^KINO_PLAY_REDIRECT: /],
    [{ KINO_TRUST_PROXY: '10.0.0.1, 10.0.0.2' }, /^KINO_TRUST_PROXY: /],
    [{ KINO_TRUST_PROXY: 'yes please' }, /^KINO_TRUST_PROXY: /],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
