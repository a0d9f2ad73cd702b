import { parse, serialize } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Binds a sign-in sent to the provider to the browser that started it (against login CSRF). */
const SSO_COOKIE = 'kino_sso';

export function ssoStateOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? parse(header)[SSO_COOKIE] : undefined;
}

/**
 * A SAML response arrives as a cross-site POST, which carries only SameSite=None cookies, and
 * those need https; an OIDC callback is a top-level GET, which Lax cookies reach.
 */
export function setSsoCookie(
  reply: FastifyReply,
  state: string,
  opts: { https: boolean; protocol: 'oidc' | 'saml' },
): void {
  reply.header(
    'set-cookie',
    serialize(SSO_COOKIE, state, {
      httpOnly: true,
      secure: opts.https,
      sameSite: opts.protocol === 'saml' && opts.https ? 'none' : 'lax',
      path: '/auth',
      maxAge: 600,
    }),
  );
}

export function clearSsoCookie(reply: FastifyReply): void {
  reply.header('set-cookie', serialize(SSO_COOKIE, '', { httpOnly: true, path: '/auth', maxAge: 0 }));
}
