import { isReadOnlyDatabaseError } from '../db/read-only-error.ts';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { parseApiKey, secretMatches } from '../api-keys/api-key-secret.ts';
import type { ApiKeysRepository } from '../api-keys/api-keys.repository.ts';
import { ApiError } from '../http/problem.ts';
import { checkCsrf } from '../users/csrf.ts';
import { sessionTokenOf } from '../users/session-cookie.ts';
import type { SessionWithUser } from '../users/sessions.repository.ts';
import type { Authenticate, Principal } from '../http/principal.ts';
import type { VerifiedKeyCache } from './verified-keys.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

const TOUCH_EVERY_MS = 60_000;
const MAX_TOUCHED_KEYS = 10_000;

/**
 * Turns a request into a Principal, or throws a 401/403 ApiError. An Authorization header wins;
 * without one, the kino_session cookie of a logged-in person is used, and then a request that
 * changes something must also pass the CSRF checks.
 *
 * @example const authenticate = createAuthenticator({ operatorKey, apiKeys, sessions });
 *          const who = await authenticate(request);
 */
export function createAuthenticator(deps: {
  operatorKey: string;
  apiKeys: ApiKeysRepository;
  /** Finds the live session of a cookie; without it, only keys are accepted. */
  sessions?: { resolve(token: string): Promise<SessionWithUser | undefined> };
  publicUrl?: string | undefined;
  /** Keys verified in the last seconds, checked before the database (verified-keys.ts). */
  verifiedKeys?: VerifiedKeyCache;
  now?: () => number;
}): Authenticate {
  const operatorDigest = sha256(deps.operatorKey);
  const now = deps.now ?? Date.now;
  // When this process last recorded each key's use: last_used_at is kept to the minute, so a busy
  // key costs one write a minute rather than a database round trip on every request.
  const touchedAt = new Map<string, number>();
  const touch = async (keyId: string) => {
    const at = now();
    if (at - (touchedAt.get(keyId) ?? -Infinity) < TOUCH_EVERY_MS) return;
    if (touchedAt.size >= MAX_TOUCHED_KEYS) touchedAt.clear();
    touchedAt.set(keyId, at);
    await deps.apiKeys.touch(keyId, at).catch((err: unknown) => {
      if (!isReadOnlyDatabaseError(err)) throw err;
    });
  };

  const byKey = async (authorization: string): Promise<Principal> => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const presented = match?.[1];
    if (!presented) throw new ApiError('unauthorized', 'send an API key as "Authorization: Bearer <key>"');

    // Digests have equal length, so the comparison takes the same time whatever was presented.
    const digest = sha256(presented);
    if (timingSafeEqual(digest, operatorDigest)) return { kind: 'operator', via: { kind: 'operator-key' } };

    const cacheKey = digest.toString('base64');
    let verified = deps.verifiedKeys?.get(cacheKey);
    if (!verified) {
      const parsed = parseApiKey(presented);
      const key = parsed ? await deps.apiKeys.findActive(parsed.keyId) : undefined;
      if (!parsed || !key || !secretMatches(parsed.secret, key.secret_hash)) {
        throw new ApiError('invalid_api_key', 'the API key is unknown or has been revoked');
      }
      verified = { keyId: key.id, tenantId: key.tenant_id, scope: key.scope };
      deps.verifiedKeys?.set(cacheKey, verified);
    }
    await touch(verified.keyId);
    return {
      kind: 'tenant',
      tenantId: verified.tenantId,
      via: { kind: 'key', keyId: verified.keyId, scope: verified.scope },
    };
  };

  const bySession = async (request: FastifyRequest, token: string): Promise<Principal> => {
    const found = await deps.sessions?.resolve(token);
    if (!found) throw new ApiError('unauthorized', 'the session has ended: log in again');
    checkCsrf(request, found.session.csrf_token, deps.publicUrl);
    const { user, session } = found;
    const via = { kind: 'session', sessionId: session.id, userId: user.id } as const;
    if (user.role === 'operator' || user.tenant_id === null) return { kind: 'operator', via };
    return { kind: 'tenant', tenantId: user.tenant_id, via: { ...via, role: user.role } };
  };

  return async (request) => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) return byKey(authorization);
    const token = deps.sessions ? sessionTokenOf(request) : undefined;
    if (token !== undefined) return bySession(request, token);
    throw new ApiError('unauthorized', 'send an API key as "Authorization: Bearer <key>", or log in');
  };
}
