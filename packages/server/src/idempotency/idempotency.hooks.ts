import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../http/principal.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import type { IdempotencyRepository } from './idempotency.repository.ts';
import { redactAnswer, secretPolicyOf, withoutRequestSecrets } from './secret-answers.ts';

/** How long a key's first answer is kept and replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const KEY = /^[\x21-\x7e]{1,255}$/;
const PRUNE_EVERY_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request claimed, whose answer is saved when it is sent. */
    idempotency?: { scope: string; key: string; settled: boolean; redact: readonly string[] };
  }
}

/** Keys are kept per tenant (any key or member of it), or for the operator. */
export function scopeOf(principal: Principal): { scope: string; tenantId: string | null } {
  return principal.kind === 'tenant'
    ? { scope: `tenant:${principal.tenantId}`, tenantId: principal.tenantId }
    : { scope: 'operator', tenantId: null };
}

/**
 * What makes two requests "the same": method, path and body. A JSON body is compared as parsed
 * and serialised again, without its secret fields (see secret-answers.ts); a form upload by its
 * length only (its bytes are not read twice, and its boundary changes with every try).
 */
export function requestFingerprint(request: FastifyRequest, requestSecrets: readonly string[] = []): string {
  const type = request.headers['content-type'] ?? '';
  const body = type.startsWith('multipart/')
    ? `multipart ${request.headers['content-length'] ?? '?'}`
    : JSON.stringify(withoutRequestSecrets(request.body ?? null, requestSecrets));
  return createHash('sha256').update(`${request.method} ${request.url}\n${body}`).digest('hex');
}

/**
 * `Idempotency-Key` on POST routes (tus uploads excepted: tus resumes by itself): the first
 * request with a key runs and its answer (any status below 500) is kept for 24 hours; a retry
 * with the same key and request gets that answer again, with `Idempotent-Replayed: true`; the same
 * key with another request gets 422 `idempotency_key_reused`; a retry while the first is still
 * running gets 409 `conflict` with Retry-After. Two concurrent requests with one key cannot both
 * run: the key is inserted before the work starts and the database lets one insert win. Answers
 * holding a credential are kept without it, or not at all (see secret-answers.ts).
 *
 * @example installIdempotency(app, repos.idempotency)
 */
export function installIdempotency(
  app: App,
  store: IdempotencyRepository,
  now: () => number = Date.now,
): void {
  let prunedAt = -Infinity;

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || header === undefined || !request.principal) return;
    if (request.url === '/v1/uploads' || request.url.startsWith('/v1/uploads/')) return;
    const secrets = secretPolicyOf(request.method, request.routeOptions.url);
    if (secrets?.kind === 'rerun') return;
    const key = Array.isArray(header) ? (header[0] ?? '') : header;
    if (!KEY.test(key)) {
      throw new ApiError('invalid_request', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
    }
    const { scope, tenantId } = scopeOf(request.principal);
    const at = now();
    if (at - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = at;
      await store.pruneBefore(at - IDEMPOTENCY_TTL_MS);
    }
    const fingerprint = requestFingerprint(request, secrets?.requestSecrets);
    const row = { scope, key, tenant_id: tenantId, request_hash: fingerprint, created_at: at };
    let claimed = await store.claim(row);
    if (!claimed) {
      await store.deleteIfOlder(scope, key, at - IDEMPOTENCY_TTL_MS);
      claimed = await store.claim(row);
    }
    if (claimed) {
      request.idempotency = { scope, key, settled: false, redact: secrets?.redact ?? [] };
      return;
    }
    const first = await store.get(scope, key);
    if (!first) throw new ApiError('conflict', 'the Idempotency-Key changed hands; retry the request');
    if (first.request_hash !== fingerprint) {
      throw new ApiError(
        'idempotency_key_reused',
        'this Idempotency-Key was used with another request; use a new key for a new request',
      );
    }
    if (first.status_code === null) {
      reply.header('retry-after', '1');
      throw new ApiError('conflict', 'a request with this Idempotency-Key is still being answered');
    }
    reply.code(first.status_code).header('idempotent-replayed', 'true');
    if (first.content_type) reply.header('content-type', first.content_type);
    return reply.send(first.response_body ?? '');
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim || claim.settled) return payload;
    claim.settled = true;
    const sent =
      typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
    const body = sent === null ? null : redactAnswer(sent, claim.redact);
    if (reply.statusCode >= 500 || body === null) {
      await store.release(claim.scope, claim.key);
    } else {
      const type = reply.getHeader('content-type');
      await store.saveAnswer(claim.scope, claim.key, {
        status: reply.statusCode,
        contentType: typeof type === 'string' ? type : null,
        body,
      });
    }
    return payload;
  });

  // A request that ended without an answer (the client went away mid-way) lets its key go.
  app.addHook('onResponse', async (request) => {
    const claim = request.idempotency;
    if (claim && !claim.settled) await store.release(claim.scope, claim.key);
  });
}
