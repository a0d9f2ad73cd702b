import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AddressList } from '../lib/address-list.ts';
import { VERSION_NAME } from './playback-session.ts';

/** Tokens travel in a path segment; the router takes segments up to 1024 characters. */
export const MAX_TOKEN_LENGTH = 1024;

/**
 * What a playback token grants: one media, until a time, optionally from one address or network
 * and only on pages of some domains.
 */
export interface PlaybackClaims {
  mediaId: string;
  /** Unix seconds. */
  expiresAt: number;
  /** An address or a CIDR network. */
  ip?: string | undefined;
  /** Referrer host patterns (example.com, *.example.com), normalized. */
  referrers?: readonly string[] | undefined;
  /**
   * Set on a session grant (see playback-session.ts): the one version it opens. A grant is only
   * signed by Kino, for the child URLs of a master playlist or MPD, and never starts a session.
   */
  session?: string | undefined;
  /**
   * On a session grant: when the token that started the session expires (Unix seconds). Files that
   * are not part of playing the session (the MP4 download, poster, storyboard) stop there.
   */
  tokenExpiresAt?: number | undefined;
}

const claimsSchema = z.strictObject({
  m: z.string().min(1).max(64),
  e: z.number().int().positive(),
  k: z.string().min(1).max(64),
  ip: z.string().max(64).optional(),
  r: z.array(z.string().min(1).max(260)).min(1).max(20).optional(),
  s: z.string().regex(VERSION_NAME).optional(),
  t: z.number().int().positive().optional(),
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
      ...(claims.referrers?.length && { r: claims.referrers }),
      ...(claims.session !== undefined && { s: claims.session }),
      ...(claims.tokenExpiresAt !== undefined && { t: claims.tokenExpiresAt }),
    }),
  ).toString('base64url');
  return `${body}.${mac(key.secret, body).toString('base64url')}`;
}

export type TokenVerdict =
  | { ok: true; claims: PlaybackClaims }
  | {
      ok: false;
      reason:
        | 'malformed'
        | 'unknown_key'
        | 'bad_signature'
        | 'expired'
        | 'wrong_media'
        | 'wrong_ip'
        | 'wrong_referrer'
        | 'unsupported_algorithm'
        | 'not_yet_valid'
        | 'lifetime_too_long'
        | 'wrong_session';
    };

export interface TokenExpectation {
  mediaId: string;
  /** The live stream a broadcast's media belongs to: a token for that stream opens it too. */
  liveStreamId?: string | undefined;
  /** The media's tenant: a token a tenant signed itself (JWT) must be signed by one of its keys. */
  tenantId?: string | undefined;
  nowSeconds: number;
  /** The client's address; a token bound to an address or network is refused without one. */
  ip?: string | undefined;
  /** Whether the request's page is one of these referrer patterns; a token bound to some is refused without it. */
  referrerAllowed?: ((patterns: readonly string[]) => boolean) | undefined;
  /** The version a request inside one names; undefined for a session start (master, MPD, stable names). */
  version?: string | undefined;
}

export type TokenReading =
  { ok: true; claims: PlaybackClaims } | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_signature' };

/**
 * Authenticates a token: well formed, in its one spelling, signed by a known key. Says nothing of
 * what it grants (see `checkClaims`), so a reading can be kept for a token seen again. Never throws.
 */
export function readPlaybackToken(
  token: string,
  secretOf: (keyId: string) => string | undefined,
): TokenReading {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || token.length > MAX_TOKEN_LENGTH)
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
  return {
    ok: true,
    claims: {
      mediaId: parsed.m,
      expiresAt: parsed.e,
      ip: parsed.ip,
      referrers: parsed.r,
      ...(parsed.s !== undefined && { session: parsed.s }),
      ...(parsed.t !== undefined && { tokenExpiresAt: parsed.t }),
    },
  };
}

/** Whether authenticated claims grant this request: the media, before expiry, from its address and page. */
export function checkClaims(claims: PlaybackClaims, expect: TokenExpectation): TokenVerdict {
  if (claims.expiresAt <= expect.nowSeconds) return { ok: false, reason: 'expired' };
  if (claims.mediaId !== expect.mediaId && (!expect.liveStreamId || claims.mediaId !== expect.liveStreamId)) {
    return { ok: false, reason: 'wrong_media' };
  }
  // A grant opens its own version only, and never starts a session (which needs the token).
  if (claims.session !== undefined && claims.session !== expect.version) {
    return { ok: false, reason: 'wrong_session' };
  }
  if (claims.ip !== undefined && !(expect.ip !== undefined && inNetwork(claims.ip, expect.ip))) {
    return { ok: false, reason: 'wrong_ip' };
  }
  if (claims.referrers !== undefined && !expect.referrerAllowed?.(claims.referrers)) {
    return { ok: false, reason: 'wrong_referrer' };
  }
  return { ok: true, claims };
}

/** Checks a token for a media at a time, from an address, on a page; never throws. */
export function verifyPlaybackToken(
  token: string,
  expect: TokenExpectation,
  secretOf: (keyId: string) => string | undefined,
): TokenVerdict {
  const reading = readPlaybackToken(token, secretOf);
  return reading.ok ? checkClaims(reading.claims, expect) : reading;
}

function inNetwork(network: string, ip: string): boolean {
  try {
    return new AddressList([network]).has(ip);
  } catch {
    return false;
  }
}
