import {
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import { newId } from '../lib/ids.ts';
import type { LtiToolKeysRepository } from './lti-tool-keys.repository.ts';

/** A retired key stays published this long, so a platform can still check what it signed. */
export const RETIRED_KEY_PUBLISHED_MS = 7 * 24 * 3600_000;
const ALG = 'RS256';

/**
 * Kino's LTI key set: the RSA key it signs Deep Linking answers with, made on first use, published
 * at /lti/jwks with the keys retired in the last week, replaced by `rotate`.
 */
export class LtiToolKeys {
  constructor(
    private readonly keys: LtiToolKeysRepository,
    private readonly now: () => number = Date.now,
  ) {}

  /** Signs a payload as a JWT with the current key (its `kid` in the header). */
  async sign(
    payload: JWTPayload,
    opts: { issuer: string; audience: string; expiresInSeconds: number },
  ): Promise<string> {
    const row = (await this.keys.current()) ?? (await this.rotate());
    const key = await importJWK(JSON.parse(row.private_jwk) as JWK, ALG);
    const nowSeconds = Math.floor(this.now() / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: ALG, kid: row.id, typ: 'JWT' })
      .setIssuer(opts.issuer)
      .setAudience(opts.audience)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + opts.expiresInSeconds)
      .sign(key);
  }

  /** The public keys, as a JWK Set. */
  async jwks(): Promise<JSONWebKeySet> {
    if (!(await this.keys.current())) await this.rotate();
    const rows = await this.keys.published(this.now() - RETIRED_KEY_PUBLISHED_MS);
    return { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
  }

  /** Makes a new key the signing one; the others are retired and stay published for a week. */
  async rotate(): Promise<{ id: string; created_at: number; private_jwk: string }> {
    const now = this.now();
    const id = newId('ltk', now);
    const { publicKey, privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: id, alg: ALG, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid: id, alg: ALG };
    const row = {
      id,
      private_jwk: JSON.stringify(privateJwk),
      public_jwk: JSON.stringify(publicJwk),
      created_at: now,
      retired_at: null,
    };
    await this.keys.add(row);
    await this.keys.retireAllBut(id, now);
    return row;
  }
}
