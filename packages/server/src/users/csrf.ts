import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/problem.ts';
import { sameSecret } from './account-secrets.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether an Origin header names this server: the host the browser asked for, or KINO_PUBLIC_URL. */
function isOwnOrigin(origin: string, request: FastifyRequest, publicUrl: string | undefined): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (publicUrl !== undefined && parsed.origin === new URL(publicUrl).origin) return true;
  // URL.host drops the scheme's default port; a Host header may still carry it.
  return parsed.host === request.host.toLowerCase().replace(/:(80|443)$/, '');
}

/**
 * Refuses a cookie-authenticated request that changes something unless it comes from this site
 * and carries the session's CSRF token in X-CSRF-Token. Bearer-key requests never get here.
 */
export function checkCsrf(request: FastifyRequest, csrfToken: string, publicUrl: string | undefined): void {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, request, publicUrl)) {
    throw new ApiError('csrf_failed', 'the request came from another site');
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw new ApiError('csrf_failed', 'the request came from another site');
  }
  const presented = request.headers['x-csrf-token'];
  if (typeof presented !== 'string' || !sameSecret(presented, csrfToken)) {
    throw new ApiError('csrf_failed', 'send the CSRF token of the session in the X-CSRF-Token header');
  }
}
