import { describe, expect, it } from 'vitest';
import { newId } from '../lib/ids.ts';
import { formatApiKey, hashSecret, newSecret, parseApiKey, secretMatches } from './api-key-secret.ts';

describe('api key secrets', () => {
  it('round-trips through format and parse', () => {
    const keyId = newId('key');
    const secret = newSecret();
    expect(parseApiKey(formatApiKey(keyId, secret))).toEqual({ keyId, secret });
  });

  it.each(['', 'kino_', 'Bearer x', `kino_${newId('ten')}_${'a'.repeat(43)}`, `kino_${newId('key')}_short`])(
    'rejects malformed %j',
    (value) => {
      expect(parseApiKey(value)).toBeNull();
    },
  );

  it('matches only the secret it hashed', () => {
    const secret = newSecret();
    const stored = hashSecret(secret);
    expect(secretMatches(secret, stored)).toBe(true);
    expect(secretMatches(newSecret(), stored)).toBe(false);
    expect(secretMatches(secret, 'abcd')).toBe(false);
  });
});
