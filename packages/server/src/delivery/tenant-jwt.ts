import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { TenantKeyAlgorithm } from '../db/schema.ts';
import { cidrSchema, hostPatternSchema } from '../tenants/playback-rules.ts';
import { MAX_TOKEN_SECONDS } from '../media/playback-limits.ts';
import { MAX_TOKEN_LENGTH, type PlaybackClaims } from './playback-token.ts';

/**
 * Playback tokens a tenant signs itself: a JWT (RFC 7519) signed with RS256 or ES256 by a private
 * key whose public half the tenant registered (`POST /v1/signing-keys/public`), as Mux and
 * Cloudflare Stream allow. It travels where Kino's own tokens do (`/play/t/<jwt>/<media>/…`).
 *
 * Header: `{"alg": "RS256" | "ES256", "kid": "<the registered key's id>"}`. Claims: `sub` (the
 * media id), `exp` (Unix seconds), optional `nbf`, `iat`, `ip` (an address or CIDR network) and
 * `referrers` (domains, `*.` wildcards), with the meaning of Kino's own token fields. Like Kino's
 * own tokens, one lives 7 days at most (see `timesRefusal`).
 */

/** A tenant's registered public key, ready to verify with. */
export interface TenantPublicKey {
  id: string;
  tenantId: string;
  algorithm: TenantKeyAlgorithm;
  key: KeyObject;
}

/** A JWT's claims: what it grants, and the times its validity is checked with. */
export type JwtClaims = PlaybackClaims & { notBefore?: number | undefined; issuedAt?: number | undefined };

export type JwtReading =
  | { ok: true; kid: string; claims: JwtClaims }
  | { ok: false; reason: 'malformed' | 'unknown_key' | 'unsupported_algorithm' | 'bad_signature' };

const headerSchema = z.looseObject({
  alg: z.string(),
  kid: z.string().min(1).max(64),
  typ: z.literal('JWT').optional(),
});

const claimsSchema = z.looseObject({
  sub: z.string().min(1).max(64),
  exp: z.number().int().positive(),
  nbf: z.number().int().positive().optional(),
  // Fractions allowed (RFC 7519): many libraries add an `iat` by default.
  iat: z.number().positive().optional(),
  ip: cidrSchema.optional(),
  referrers: z.array(hostPatternSchema).min(1).max(20).optional(),
});

/** Whether a token has a JWT's shape (three parts); Kino's own tokens have two. */
export function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3;
}

function decodePart(part: string): unknown {
  const bytes = Buffer.from(part, 'base64url');
  // One spelling only: the part must be exactly what encoding its bytes gives back.
  if (bytes.toString('base64url') !== part) throw new Error('not canonical base64url');
  return JSON.parse(bytes.toString('utf8'));
}

/** The `kid` a JWT names, or null for anything that is not a well-formed JWT header. */
export function jwtKeyId(token: string): string | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  try {
    const parsed = headerSchema.safeParse(decodePart(token.split('.')[0] ?? ''));
    return parsed.success ? parsed.data.kid : null;
  } catch {
    return null;
  }
}

/**
 * Authenticates a tenant's JWT with the key its `kid` names: the header's algorithm must be the
 * one the key was registered for (so `none`, HS256 keyed with the public key, or RS256 against an
 * EC key never verify). Says nothing of what it grants; see `checkClaims`. Never throws.
 */
export function readTenantJwt(
  token: string,
  keyOf: (kid: string) => TenantPublicKey | undefined,
): JwtReading {
  const parts = token.split('.');
  const [head, body, signature] = parts;
  if (parts.length !== 3 || !head || !body || !signature || token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  let header: z.infer<typeof headerSchema>;
  let claims: z.infer<typeof claimsSchema>;
  try {
    header = headerSchema.parse(decodePart(head));
    claims = claimsSchema.parse(decodePart(body));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (header.alg !== 'RS256' && header.alg !== 'ES256') return { ok: false, reason: 'unsupported_algorithm' };
  const key = keyOf(header.kid);
  if (!key) return { ok: false, reason: 'unknown_key' };
  if (key.algorithm !== header.alg) return { ok: false, reason: 'unsupported_algorithm' };
  const sig = Buffer.from(signature, 'base64url');
  if (sig.toString('base64url') !== signature) return { ok: false, reason: 'malformed' };
  const signed = Buffer.from(`${head}.${body}`);
  let valid = false;
  try {
    valid =
      key.algorithm === 'ES256'
        ? verify('sha256', signed, { key: key.key, dsaEncoding: 'ieee-p1363' }, sig)
        : verify('sha256', signed, key.key, sig);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad_signature' };
  return {
    ok: true,
    kid: key.id,
    claims: {
      mediaId: claims.sub,
      expiresAt: claims.exp,
      ip: claims.ip,
      referrers: claims.referrers,
      notBefore: claims.nbf,
      issuedAt: claims.iat,
    },
  };
}

/**
 * Why a JWT's times refuse it at `nowSeconds`, or null: before its `nbf`, or living longer than
 * MAX_TOKEN_SECONDS, from its `nbf` (else `iat`, else now) to its `exp`, or from now to its `exp`.
 */
export function timesRefusal(
  claims: JwtClaims,
  nowSeconds: number,
): 'not_yet_valid' | 'lifetime_too_long' | null {
  if (claims.notBefore !== undefined && claims.notBefore > nowSeconds) return 'not_yet_valid';
  const from = claims.notBefore ?? claims.issuedAt ?? nowSeconds;
  if (Math.max(claims.expiresAt - from, claims.expiresAt - nowSeconds) > MAX_TOKEN_SECONDS) {
    return 'lifetime_too_long';
  }
  return null;
}

/** Why a PEM cannot be registered, in words for the API answer. */
export class PublicKeyError extends Error {}

/**
 * The algorithm a public key signs tokens with, and its canonical PEM (SPKI): RSA of 2048 bits
 * or more for RS256, P-256 for ES256. Private keys are refused (they must never leave the tenant).
 */
export function readPublicKey(pem: string): { algorithm: TenantKeyAlgorithm; pem: string; key: KeyObject } {
  if (/PRIVATE KEY/.test(pem))
    throw new PublicKeyError('this is a private key: register the public key only');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new PublicKeyError('publicKeyPem is not a PEM public key');
  }
  const details = key.asymmetricKeyDetails;
  let algorithm: TenantKeyAlgorithm;
  if (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= 2048) algorithm = 'RS256';
  else if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') algorithm = 'ES256';
  else throw new PublicKeyError('the key must be RSA (2048 bits or more, for RS256) or EC P-256 (for ES256)');
  return { algorithm, pem: key.export({ type: 'spki', format: 'pem' }).toString(), key };
}
