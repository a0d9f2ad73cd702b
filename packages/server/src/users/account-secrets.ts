import { createHash, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../lib/ids.ts';

/** A new session secret, CSRF token or invite token: 256 random bits, URL-safe. */
export const newAccountSecret = (): string => randomToken(32);

/** How a secret is stored: its SHA-256 in hex (256 random bits need no slow hash). */
export const digestOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Compares two strings in time that does not depend on where they differ. */
export function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Emails are compared and stored without regard to case or surrounding spaces. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
