import { parse, serialize } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_MAX_MS } from './session-policy.ts';

export const SESSION_COOKIE = 'kino_session';

/** Whether browsers reach Kino over https: KINO_PUBLIC_URL says so, else the request (proxy-aware). */
function overHttps(request: FastifyRequest, publicUrl: string | undefined): boolean {
  return publicUrl !== undefined ? publicUrl.startsWith('https:') : request.protocol === 'https';
}

/** The session secret a request carries, if any. */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  const token = parse(header)[SESSION_COOKIE];
  return token && /^[A-Za-z0-9_-]{20,128}$/.test(token) ? token : undefined;
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  publicUrl: string | undefined,
): void {
  reply.header(
    'set-cookie',
    serialize(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: overHttps(request, publicUrl),
      maxAge: Math.floor(SESSION_MAX_MS / 1000),
    }),
  );
}

export function clearSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  publicUrl: string | undefined,
): void {
  reply.header(
    'set-cookie',
    serialize(SESSION_COOKIE, '', {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: overHttps(request, publicUrl),
      maxAge: 0,
    }),
  );
}
