import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';

/** Reads a platform's key set (through the SSRF-guarded fetch). */
export type FetchKeySet = (jwksUrl: string) => Promise<JSONWebKeySet>;

export type IdTokenRefusal =
  { code: 'lti_invalid_id_token'; reason: string } | { code: 'lti_wrong_audience'; reason: string };

const KEYSET_TTL_MS = 5 * 60_000;
/** A token naming a key Kino has not seen re-reads the key set at most this often. */
const KEYSET_RELOAD_MS = 10_000;

/**
 * Checks a platform's id_token: RS256 signature against the platform's JWKS (re-read when a token
 * names a new key, so platforms can rotate), issuer, expiry (a minute of clock skew), audience (the
 * client id, alone or with `azp` naming it).
 */
export class PlatformTokenVerifier {
  private readonly sets = new Map<string, { at: number; keys: JSONWebKeySet }>();

  constructor(
    private readonly fetchKeySet: FetchKeySet,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(
    idToken: string,
    platform: { issuer: string; clientId: string; jwksUrl: string },
  ): Promise<{ ok: true; payload: JWTPayload } | ({ ok: false } & IdTokenRefusal)> {
    let payload: JWTPayload;
    try {
      payload = await this.verifySignature(idToken, platform);
    } catch (err) {
      return { ok: false, code: 'lti_invalid_id_token', reason: describe(err) };
    }
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    if (!audiences.includes(platform.clientId)) {
      return { ok: false, code: 'lti_wrong_audience', reason: 'the id_token is not for this client id' };
    }
    if ((audiences.length > 1 || payload.azp !== undefined) && payload.azp !== platform.clientId) {
      return { ok: false, code: 'lti_wrong_audience', reason: 'the azp claim does not name this client id' };
    }
    return { ok: true, payload };
  }

  private async verifySignature(
    idToken: string,
    platform: { issuer: string; jwksUrl: string },
  ): Promise<JWTPayload> {
    const options = {
      issuer: platform.issuer,
      algorithms: ['RS256'],
      clockTolerance: 60,
      currentDate: new Date(this.now()),
      requiredClaims: ['exp', 'iat', 'nonce', 'aud'],
    };
    const keys = await this.keySet(platform.jwksUrl, false);
    try {
      return (await jwtVerify(idToken, createLocalJWKSet(keys), options)).payload;
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      const fresh = await this.keySet(platform.jwksUrl, true);
      return (await jwtVerify(idToken, createLocalJWKSet(fresh), options)).payload;
    }
  }

  private async keySet(url: string, reload: boolean): Promise<JSONWebKeySet> {
    const cached = this.sets.get(url);
    const age = cached ? this.now() - cached.at : Infinity;
    if (cached && age < (reload ? KEYSET_RELOAD_MS : KEYSET_TTL_MS)) return cached.keys;
    const keys = await this.fetchKeySet(url);
    this.sets.set(url, { at: this.now(), keys });
    return keys;
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the id_token has expired';
  if (err instanceof errors.JWTClaimValidationFailed)
    return `the id_token's ${err.claim} claim is wrong (${err.reason})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the id_token signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return "no key of the platform's JWKS signed the id_token";
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the id_token is not signed with RS256';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    return 'the id_token is not a valid JWT';
  return `the platform's keys could not be read (${err instanceof Error ? err.message : String(err)})`;
}
