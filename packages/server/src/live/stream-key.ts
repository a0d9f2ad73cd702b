import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// A stream key reads `<live stream id>-<secret>`: the id finds the stream, the secret is checked
// against a stored sha256 in constant time. 256 bits of entropy, so a fast hash is enough. Only
// letters, digits, '_' and '-': what OBS, ffmpeg and RTMP stream names all carry unchanged.
const KEY_PATTERN = /^(ls_[0-9a-z]{26})-([A-Za-z0-9_-]{43})$/;

export function newStreamKey(liveStreamId: string): { key: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { key: `${liveStreamId}-${secret}`, hash: hashSecret(secret) };
}

/** The stream id and secret a presented key names, or null for anything not shaped like a key. */
export function parseStreamKey(value: string): { liveStreamId: string; secret: string } | null {
  const m = KEY_PATTERN.exec(value);
  return m?.[1] && m[2] ? { liveStreamId: m[1], secret: m[2] } : null;
}

export function streamKeyMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
