import { describe, expect, it } from 'vitest';
import { hostMatches, normalizeHostPattern, referrerHost } from './host-patterns.ts';

describe('referrer host patterns', () => {
  it.each([
    ['example.com', 'example.com'],
    ['  Example.COM ', 'example.com'],
    ['*.example.com', '*.example.com'],
    ['localhost', 'localhost'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['*.Bücher.de', '*.xn--bcher-kva.de'],
  ])('normalizes %j to %j', (text, pattern) => {
    expect(normalizeHostPattern(text)).toBe(pattern);
  });

  it.each([
    '',
    '*',
    '*.',
    '*.*.example.com',
    'ex*ample.com',
    'https://example.com',
    'example.com/',
    'example.com:443',
    '-a.com',
    'a..com',
    'example.com.',
    'a b.com',
    `${'a'.repeat(64)}.com`,
  ])('refuses %j', (text) => {
    expect(normalizeHostPattern(text)).toBeNull();
  });

  it('matches a host exactly, or any host below a wildcard but not the wildcard’s own', () => {
    const patterns = ['example.com', '*.video.example'];
    expect(hostMatches(patterns, 'example.com')).toBe(true);
    expect(hostMatches(patterns, 'www.example.com')).toBe(false);
    expect(hostMatches(patterns, 'a.video.example')).toBe(true);
    expect(hostMatches(patterns, 'a.b.video.example')).toBe(true);
    expect(hostMatches(patterns, 'video.example')).toBe(false);
    expect(hostMatches(patterns, 'evilvideo.example')).toBe(false);
    expect(hostMatches(patterns, 'example.com.evil.net')).toBe(false);
  });

  it('reads the host of a Referer: none, http(s) hosts, and anything else as invalid', () => {
    expect(referrerHost(undefined)).toBeNull();
    expect(referrerHost('')).toBeNull();
    expect(referrerHost('https://Www.Example.com:8443/page?q=1')).toBe('www.example.com');
    expect(referrerHost('http://bücher.de/')).toBe('xn--bcher-kva.de');
    expect(referrerHost('file:///etc/passwd')).toBe('');
    expect(referrerHost('android-app://com.example')).toBe('');
    expect(referrerHost('not a url')).toBe('');
  });
});
