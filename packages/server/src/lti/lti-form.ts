import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { LTI_PAGE_POLICY, refusalPage } from './lti-pages.ts';

/** Form posts (LTI launches, SAML responses) parsed into string fields, in the plugin that calls this. */
export function acceptFormPosts(app: App, bodyLimit = 512 * 1024): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
}

/** One string field of a query or parsed form, at most `max` characters. */
export function field(source: unknown, name: string, max = 16_384): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const value = (source as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;
}

/**
 * An LTI page: frameable anywhere, scripts from Kino only, never cached. Its URL may hold a secret
 * (the picker's), so only Kino itself is told where a request came from: the player it opens sees
 * Kino's origin, which tenants' referrer rules always allow.
 */
export function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', LTI_PAGE_POLICY)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'same-origin')
    .send(html);
}

/**
 * Answers a refused browser step (launch, picker, sign-in) with a page naming its code, and logs
 * the reason; anything else is left to the error handler.
 */
export function sendRefusal(
  request: FastifyRequest,
  reply: FastifyReply,
  err: unknown,
  what: string,
): FastifyReply {
  if (!(err instanceof ApiError)) throw err;
  request.log.warn({ code: err.code, reason: err.message }, `${what} refused`);
  return sendPage(reply, err.status, refusalPage(err.code, err.message));
}
