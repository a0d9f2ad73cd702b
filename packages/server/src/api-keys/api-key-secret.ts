import { createHash, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../lib/ids.ts';

// An API key reads `kino_<key id>_<secret>`: the id finds the row, the secret is checked against a
// stored sha256. The secret has 256 bits of entropy, so a fast hash is enough (no brute force).
const KEY_PATTERN = /^kino_(key_[0-9a-z]{26})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

export function formatApiKey(keyId: string, secret: string): string {
  return `kino_${keyId}_${secret}`;
}

export function parseApiKey(value: string): ParsedApiKey | null {
  const m = KEY_PATTERN.exec(value);
  return m?.[1] && m[2] ? { keyId: m[1], secret: m[2] } : null;
}

export function newSecret(): string {
  return randomToken(32);
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
