import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { clearSessionCookie, sessionTokenOf, setSessionCookie } from './session-cookie.ts';

const TOKEN = 'a'.repeat(43);

/** The Set-Cookie a request gets, with Kino's public URL and proxy settings. */
async function cookieFor(opts: {
  publicUrl?: string;
  trustProxy?: boolean;
  headers?: Record<string, string>;
}) {
  const app = Fastify({ trustProxy: opts.trustProxy ?? false });
  app.get('/', (request, reply) => {
    setSessionCookie(request, reply, TOKEN, opts.publicUrl);
    return reply.send({ token: sessionTokenOf(request) ?? null });
  });
  const res = await app.inject({ method: 'GET', url: '/', headers: opts.headers ?? {} });
  await app.close();
  return { cookie: String(res.headers['set-cookie']), read: res.json<{ token: string | null }>().token };
}

describe('session cookie', () => {
  it('is Secure only when browsers reach Kino over https', async () => {
    expect((await cookieFor({})).cookie).not.toContain('Secure');
    expect((await cookieFor({ publicUrl: 'https://video.example' })).cookie).toMatch(/; Secure/);
    expect((await cookieFor({ publicUrl: 'http://localhost:8080' })).cookie).not.toContain('Secure');
    const proxied = { 'x-forwarded-proto': 'https' };
    expect((await cookieFor({ trustProxy: true, headers: proxied })).cookie).toMatch(/; Secure/);
    expect((await cookieFor({ trustProxy: false, headers: proxied })).cookie).not.toContain('Secure');
  });

  it('is read back from the Cookie header among others, and a malformed one is ignored', async () => {
    expect((await cookieFor({ headers: { cookie: `theme=dark; kino_session=${TOKEN}` } })).read).toBe(TOKEN);
    expect((await cookieFor({ headers: { cookie: 'kino_session=..' } })).read).toBeNull();
  });

  it('is cleared with the same attributes', async () => {
    const app = Fastify();
    app.get('/', (request, reply) => {
      clearSessionCookie(request, reply, undefined);
      return reply.send('');
    });
    const res = await app.inject({ method: 'GET', url: '/' });
    await app.close();
    expect(res.headers['set-cookie']).toBe('kino_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax');
  });
});
