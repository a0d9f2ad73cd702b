import { createHash, timingSafeEqual } from 'node:crypto';
import { parseApiKey, secretMatches } from '../api-keys/api-key-secret.ts';
import type { ApiKeysRepository } from '../api-keys/api-keys.repository.ts';
import { ApiError } from '../http/problem.ts';
import type { Principal } from './principal.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/**
 * Turns an Authorization header into a Principal, or throws a 401 ApiError.
 *
 * @example const authenticate = createAuthenticator({ operatorKey, apiKeys });
 *          const who = await authenticate(request.headers.authorization);
 */
export function createAuthenticator(deps: {
  operatorKey: string;
  apiKeys: ApiKeysRepository;
  now?: () => number;
}): (authorization: string | undefined) => Promise<Principal> {
  const operatorDigest = sha256(deps.operatorKey);
  const now = deps.now ?? Date.now;

  return async (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const presented = match?.[1];
    if (!presented) throw new ApiError('unauthorized', 'send an API key as "Authorization: Bearer <key>"');

    // Digests have equal length, so the comparison takes the same time whatever was presented.
    if (timingSafeEqual(sha256(presented), operatorDigest)) return { kind: 'operator' };

    const parsed = parseApiKey(presented);
    const key = parsed ? await deps.apiKeys.findActive(parsed.keyId) : undefined;
    if (!parsed || !key || !secretMatches(parsed.secret, key.secret_hash)) {
      throw new ApiError('invalid_api_key', 'the API key is unknown or has been revoked');
    }
    await deps.apiKeys.touch(key.id, now());
    return { kind: 'tenant', tenantId: key.tenant_id, keyId: key.id, scope: key.scope };
  };
}
