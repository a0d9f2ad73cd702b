import { describe, expect, it, vi } from 'vitest';
import { NO_RULES, type PlaybackRules } from '../tenants/playback-rules.ts';
import { PlaybackRulesCache, RULES_TTL_MS } from './playback-rules-cache.ts';

describe('PlaybackRulesCache', () => {
  const deny = (ip: string): PlaybackRules => ({ ...NO_RULES, ipDeny: [ip] });

  it('reads a tenant’s rules once per lifetime, and again after it or after invalidate', async () => {
    let now = 1_000_000;
    let stored: PlaybackRules | undefined = deny('10.0.0.1');
    const load = vi.fn((_tenantId: string) => Promise.resolve(stored));
    const cache = new PlaybackRulesCache(load, () => now);
    const [a, b] = await Promise.all([cache.get('ten_a'), cache.get('ten_a')]);
    expect(a).toBe(b);
    expect(a.deny?.has('10.0.0.1')).toBe(true);
    expect(load).toHaveBeenCalledTimes(1);

    stored = undefined;
    now += RULES_TTL_MS - 1;
    expect((await cache.get('ten_a')).restrictive).toBe(true);
    now += 1;
    expect((await cache.get('ten_a')).restrictive).toBe(false);
    expect(load).toHaveBeenCalledTimes(2);

    stored = deny('10.0.0.2');
    cache.invalidate('ten_a');
    expect((await cache.get('ten_a')).deny?.has('10.0.0.2')).toBe(true);
    await cache.get('ten_b');
    expect(load).toHaveBeenCalledTimes(4);
  });

  it('does not keep a failed read', async () => {
    const load = vi
      .fn<(tenantId: string) => Promise<PlaybackRules | undefined>>()
      .mockRejectedValueOnce(new Error('database down'))
      .mockResolvedValue(undefined);
    const cache = new PlaybackRulesCache(load);
    await expect(cache.get('ten_a')).rejects.toThrow('database down');
    await expect(cache.get('ten_a')).resolves.toMatchObject({ restrictive: false });
  });
});
