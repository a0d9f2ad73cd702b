import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** What a playback token grants: one media, until a time, optionally from one address. */
export interface PlaybackClaims {
  mediaId: string;
  /** Unix seconds. */
  expiresAt: number;
  ip?: string | undefined;
}

const claimsSchema = z.strictObject({
  m: z.string().min(1).max(64),
  e: z.number().int().positive(),
  k: z.string().min(1).max(64),
  ip: z.string().max(64).optional(),
});

const mac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest();

/**
 * A token is `base64url(JSON claims).base64url(HMAC-SHA256)`, with the signing key's id inside the
 * signed claims, so keys can rotate while tokens signed with older keys stay valid until expiry.
 * URL-safe, so it can sit in a path segment that players carry to every child URL.
 */
export function signPlaybackToken(claims: PlaybackClaims, key: { id: string; secret: string }): string {
  const body = Buffer.from(
    JSON.stringify({
      m: claims.mediaId,
      e: claims.expiresAt,
      k: key.id,
      ...(claims.ip && { ip: claims.ip }),
    }),
  ).toString('base64url');
  return `${body}.${mac(key.secret, body).toString('base64url')}`;
}

export type TokenVerdict =
  | { ok: true; claims: PlaybackClaims }
  | {
      ok: false;
      reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' | 'wrong_media' | 'wrong_ip';
    };

/** Checks a token for a media at a time and from an address; never throws. */
export function verifyPlaybackToken(
  token: string,
  expect: { mediaId: string; nowSeconds: number; ip?: string | undefined },
  secretOf: (keyId: string) => string | undefined,
): TokenVerdict {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || token.length > 1024)
    return { ok: false, reason: 'malformed' };
  let parsed: z.infer<typeof claimsSchema>;
  try {
    parsed = claimsSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  // Re-encoding must give back the same text: no second spelling of the same token verifies.
  if (Buffer.from(Buffer.from(body, 'base64url').toString('utf8')).toString('base64url') !== body) {
    return { ok: false, reason: 'malformed' };
  }
  const secret = secretOf(parsed.k);
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
  if (parsed.e <= expect.nowSeconds) return { ok: false, reason: 'expired' };
  if (parsed.m !== expect.mediaId) return { ok: false, reason: 'wrong_media' };
  if (parsed.ip !== undefined && parsed.ip !== expect.ip) return { ok: false, reason: 'wrong_ip' };
  return { ok: true, claims: { mediaId: parsed.m, expiresAt: parsed.e, ip: parsed.ip } };
}
