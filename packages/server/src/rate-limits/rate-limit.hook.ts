import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../http/principal.ts';
import { ApiError } from '../http/problem.ts';
import { TokenBuckets } from './token-buckets.ts';

/** Whose bucket a request takes from: its API key, its console session, or the operator key. */
export function bucketOf(principal: Principal): string {
  const via = principal.via;
  switch (via.kind) {
    case 'key':
      return `key:${via.keyId}`;
    case 'session':
      return `session:${via.sessionId}`;
    case 'operator-key':
      return 'operator-key';
  }
}

/**
 * An onRequest hook, after authentication: each API key or console session gets
 * `perMinute` requests a minute (a minute's worth at once), then 429 `rate_limited` with
 * Retry-After. Unauthenticated routes (/play, /embed, health) are not counted, nor the bytes of a
 * tus upload (PATCH, HEAD), whose speed the network sets. Counted per process: behind a load
 * balancer over N API processes a key gets up to N times the rate.
 */
export function rateLimitHook(perMinute: number, now?: () => number) {
  const buckets = new TokenBuckets(perMinute, now);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = request.principal;
    if (!principal || perMinute <= 0) return;
    if (request.url.startsWith('/v1/uploads/') && request.method !== 'POST') return;
    const verdict = buckets.take(bucketOf(principal));
    if (verdict.ok) return;
    reply.header('retry-after', String(verdict.retryAfterSeconds));
    throw new ApiError(
      'rate_limited',
      `this key made more than ${perMinute} requests in a minute; retry in ${verdict.retryAfterSeconds} s`,
      { retryAfterSeconds: verdict.retryAfterSeconds },
    );
  };
}
