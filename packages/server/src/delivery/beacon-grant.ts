import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * What lets a player report the views of one media to `POST /v1/beacons` without an API key. Kino
 * puts it in every master playlist it serves (`#EXT-X-SESSION-DATA` with this DATA-ID, which
 * hls.js hands to the page) and in the embed page, so whoever may play the media may report on
 * it, and nobody can report on a media they were not served. It is signed with the playback
 * signing keys under its own label: it never verifies as a playback token, nor a token as it.
 */
export const BEACON_GRANT_DATA_ID = 'video.kino.beacon';

export interface BeaconGrant {
  mediaId: string;
  tenantId: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** Public media's grants end on the hour after the session would, so a playlist's text stays the same for an hour. */
export const GRANT_ROUNDING_SECONDS = 3600;

const claimsSchema = z.strictObject({
  b: z.string().min(1).max(64),
  n: z.string().min(1).max(64),
  e: z.number().int().positive(),
  k: z.string().min(1).max(64),
});

const LABEL = 'kino-beacon-grant:';
const mac = (secret: string, body: string) =>
  createHmac('sha256', secret)
    .update(LABEL + body)
    .digest();

/** `base64url(JSON claims).base64url(HMAC-SHA256(secret, label + body))`, like a playback token. */
export function signBeaconGrant(grant: BeaconGrant, key: { id: string; secret: string }): string {
  const body = Buffer.from(
    JSON.stringify({ b: grant.mediaId, n: grant.tenantId, e: grant.expiresAt, k: key.id }),
  ).toString('base64url');
  return `${body}.${mac(key.secret, body).toString('base64url')}`;
}

export type BeaconGrantReading =
  | { ok: true; grant: BeaconGrant; keyId: string }
  | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' };

/** The key id a grant names (to load a key not yet known), or null when it is not a grant. */
export function beaconGrantKeyId(text: string): string | null {
  const body = text.split('.')[0] ?? '';
  try {
    return claimsSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))).k;
  } catch {
    return null;
  }
}

/** Checks a grant's form, signature and expiry; never throws. */
export function readBeaconGrant(
  text: string,
  nowSeconds: number,
  secretOf: (keyId: string) => string | undefined,
): BeaconGrantReading {
  const [body, signature, extra] = text.split('.');
  if (!body || !signature || extra !== undefined || text.length > 1024)
    return { ok: false, reason: 'malformed' };
  let claims: z.infer<typeof claimsSchema>;
  try {
    claims = claimsSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const secret = secretOf(claims.k);
  if (secret === undefined) return { ok: false, reason: 'unknown_key' };
  const expected = mac(secret, body);
  const given = Buffer.from(signature, 'base64url');
  if (
    given.toString('base64url') !== signature ||
    given.length !== expected.length ||
    !timingSafeEqual(given, expected)
  ) {
    return { ok: false, reason: 'bad_signature' };
  }
  if (claims.e <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, grant: { mediaId: claims.b, tenantId: claims.n, expiresAt: claims.e }, keyId: claims.k };
}

/** The master playlist with the grant as session data, right after its first line (#EXTM3U). */
export function withBeaconGrant(masterPlaylist: string, grant: string): string {
  const firstLineEnd = masterPlaylist.indexOf('\n');
  if (firstLineEnd < 0) return masterPlaylist;
  return (
    masterPlaylist.slice(0, firstLineEnd + 1) +
    `#EXT-X-SESSION-DATA:DATA-ID="${BEACON_GRANT_DATA_ID}",VALUE="${grant}"\n` +
    masterPlaylist.slice(firstLineEnd + 1)
  );
}
