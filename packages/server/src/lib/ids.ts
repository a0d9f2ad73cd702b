import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET.charAt((value << (5 - bits)) & 31);
  return out.slice(0, length);
}

/** The millisecond and random bits of the last id, so ids made within one millisecond keep their order. */
let lastTime = -1;
const lastRandom = new Uint8Array(10);

/** Adds one to `bytes` as a big-endian number; false when it wrapped around. */
function increment(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = ((bytes[i] ?? 0) + 1) & 0xff;
    if (bytes[i] !== 0) return true;
  }
  return false;
}

/**
 * A new identifier: a type prefix, then 48 bits of milliseconds and 80 random bits in base32,
 * so ids sort by creation time and never collide in practice. Within one millisecond a process
 * counts up from the random bits it drew (as ULIDs do), so lists ordered by id keep the order in
 * which things were created.
 *
 * @example newId('med') // 'med_01jd4m9x2k7q8w5e3r6t0y1u2i'
 */
export function newId(prefix: string, now = Date.now()): string {
  const bytes = new Uint8Array(16);
  const time = BigInt(now);
  for (let i = 0; i < 6; i++) bytes[i] = Number((time >> BigInt(8 * (5 - i))) & 0xffn);
  if (now !== lastTime || !increment(lastRandom)) {
    lastTime = now;
    lastRandom.set(randomBytes(10));
  }
  bytes.set(lastRandom, 6);
  return `${prefix}_${base32(bytes, 26)}`;
}

/** A random string of url-safe characters with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Checks an id that came from a user (a path parameter) before it reaches a query. */
export function isWellFormedId(prefix: string, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-z]{26}$`).test(value);
}
