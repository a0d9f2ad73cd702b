import { describe, expect, it } from 'vitest';
import {
  assertValidKey,
  assertValidPrefix,
  InvalidStorageKeyError,
  isValidKey,
  joinKey,
  keyPrefix,
  keyProblem,
  MAX_KEY_LENGTH,
} from './keys.ts';

describe('storage keys', () => {
  it.each([
    'a',
    'media/01J8ZQ/source',
    'media/01J8ZQ/v1/hls/seg_00001.m4s',
    'a.b-c_D9/e..f',
    `${'a/'.repeat(511)}b`,
  ])('accepts %s', (key) => {
    expect(keyProblem(key)).toBeUndefined();
    expect(() => {
      assertValidKey(key);
    }).not.toThrow();
  });

  it.each([
    ['empty', ''],
    ['parent', '..'],
    ['current', '.'],
    ['parent first', '../etc/passwd'],
    ['parent inside', 'a/../b'],
    ['parent last', 'a/..'],
    ['hidden segment', 'a/.env'],
    ['url-encoded parent', '%2e%2e/x'],
    ['url-encoded slash', 'a%2Fb'],
    ['absolute', '/etc/passwd'],
    ['double slash', 'a//b'],
    ['trailing slash', 'a/'],
    ['backslash', '..\\x'],
    ['NUL', 'a\0b'],
    ['newline', 'a\nb'],
    ['space', 'a b'],
    ['unicode letter', 'caf\u00e9'],
    ['unicode full stop lookalike', '\u2024\u2024/x'],
    ['fullwidth solidus', 'a\uff0fb'],
    ['overlong', 'a'.repeat(MAX_KEY_LENGTH + 1)],
    ['overlong segment', 'a'.repeat(256)],
  ])('refuses a key with %s', (_name, key) => {
    expect(keyProblem(key)).toBeDefined();
    expect(isValidKey(key)).toBe(false);
    expect(() => {
      assertValidKey(key);
    }).toThrow(InvalidStorageKeyError);
  });

  it('refuses values that are not strings', () => {
    expect(keyProblem(undefined)).toBe('not a string');
    expect(keyProblem(42)).toBe('not a string');
    expect(() => {
      assertValidKey(null);
    }).toThrow(InvalidStorageKeyError);
  });

  it('keeps the error message short and printable', () => {
    const error = (() => {
      try {
        assertValidKey(`\0${'x'.repeat(5000)}`);
      } catch (e) {
        return e as InvalidStorageKeyError;
      }
      return undefined;
    })();
    expect(error?.message.length).toBeLessThan(200);
    expect(error?.message).not.toContain('\0');
  });

  it('accepts prefixes that are empty or a key followed by a slash', () => {
    for (const prefix of ['', 'media/', 'media/01J8/v1/']) {
      expect(() => {
        assertValidPrefix(prefix);
      }).not.toThrow();
    }
    for (const prefix of ['media', '/', '/media/', '../', 'a//', 'media/../']) {
      expect(() => {
        assertValidPrefix(prefix);
      }).toThrow(InvalidStorageKeyError);
    }
  });

  it('joins parts into a checked key or prefix', () => {
    expect(joinKey('media', '01J8', 'source')).toBe('media/01J8/source');
    expect(joinKey('media/01J8', 'v1/index.m3u8')).toBe('media/01J8/v1/index.m3u8');
    expect(keyPrefix('media', '01J8')).toBe('media/01J8/');
    expect(() => joinKey('media', '..', 'x')).toThrow(InvalidStorageKeyError);
    expect(() => joinKey('media', '')).toThrow(InvalidStorageKeyError);
    expect(() => joinKey('media/', 'x')).toThrow(InvalidStorageKeyError);
    expect(() => keyPrefix('../media')).toThrow(InvalidStorageKeyError);
  });
});
