import { describe, expect, it } from 'vitest';
import { NO_RULES, type PlaybackRules } from '../tenants/playback-rules.ts';
import { compileViewerRules, refusalOf, type Viewer } from './viewer-rules.ts';

const viewer = (over: Partial<Viewer> = {}): Viewer => ({
  ip: '198.51.100.1',
  referrerHost: 'www.example.com',
  ownHost: 'video.kino.test',
  ...over,
});
const rules = (over: Partial<PlaybackRules>) => compileViewerRules({ ...NO_RULES, ...over });

describe('viewer rules', () => {
  it('let anyone play without rules, and say so (shared caches may keep the answers)', () => {
    const none = compileViewerRules(NO_RULES);
    expect(none.restrictive).toBe(false);
    expect(refusalOf(none, viewer({ referrerHost: '' }))).toBeNull();
    expect(refusalOf(none, viewer({ referrerHost: null }))).toBeNull();
  });

  it('allow only listed pages, Kino’s own, and a missing Referer as the tenant decides', () => {
    const strict = rules({ allowedReferrers: ['*.example.com'], allowMissingReferrer: false });
    expect(strict.restrictive).toBe(true);
    expect(refusalOf(strict, viewer())).toBeNull();
    expect(refusalOf(strict, viewer({ referrerHost: 'example.com' }))).toBe('referrer_not_allowed');
    expect(refusalOf(strict, viewer({ referrerHost: 'evil.test' }))).toBe('referrer_not_allowed');
    expect(refusalOf(strict, viewer({ referrerHost: '' }))).toBe('referrer_not_allowed');
    expect(refusalOf(strict, viewer({ referrerHost: null }))).toBe('referrer_not_allowed');
    expect(refusalOf(strict, viewer({ referrerHost: 'video.kino.test' }))).toBeNull();
    const lenient = rules({ allowedReferrers: ['*.example.com'], allowMissingReferrer: true });
    expect(refusalOf(lenient, viewer({ referrerHost: null }))).toBeNull();
    expect(refusalOf(lenient, viewer({ referrerHost: 'evil.test' }))).toBe('referrer_not_allowed');
  });

  it('refuse denied addresses, and any address outside a non-empty allow list; deny wins', () => {
    const r = rules({ ipAllow: ['198.51.100.0/24', '2001:db8::/32'], ipDeny: ['198.51.100.66'] });
    expect(refusalOf(r, viewer())).toBeNull();
    expect(refusalOf(r, viewer({ ip: '2001:db8::7' }))).toBeNull();
    expect(refusalOf(r, viewer({ ip: '::ffff:198.51.100.9' }))).toBeNull();
    expect(refusalOf(r, viewer({ ip: '198.51.100.66' }))).toBe('ip_not_allowed');
    expect(refusalOf(r, viewer({ ip: '203.0.113.1' }))).toBe('ip_not_allowed');
    const denyOnly = rules({ ipDeny: ['203.0.113.0/24'] });
    expect(refusalOf(denyOnly, viewer())).toBeNull();
    expect(refusalOf(denyOnly, viewer({ ip: '203.0.113.200' }))).toBe('ip_not_allowed');
  });

  it('check the address before the page', () => {
    const both = rules({ allowedReferrers: ['example.com'], ipDeny: ['198.51.100.1'] });
    expect(refusalOf(both, viewer({ referrerHost: 'evil.test' }))).toBe('ip_not_allowed');
  });
});
