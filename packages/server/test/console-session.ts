import type { LightMyRequestResponse } from 'fastify';
import type { TestKino } from './test-kino.ts';

/** A logged-in browser: its session cookie and the CSRF token the login answered with. */
export interface ConsoleSession {
  cookie: string;
  csrfToken: string;
  user: { id: string; role: string; tenantId: string | null };
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'HEAD';

/** The `name=value` part of a response's Set-Cookie for the session cookie. */
export function sessionCookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const first = (Array.isArray(header) ? header : [header ?? ''])[0] ?? '';
  return first.split(';')[0] ?? '';
}

/** Logs in through the API, as the console does; throws unless the login succeeds. */
export async function login(
  kino: TestKino,
  email: string,
  password: string,
  remoteAddress = '127.0.0.1',
): Promise<ConsoleSession> {
  const res = await kino.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
    remoteAddress,
  });
  if (res.statusCode !== 200) throw new Error(`login answered ${res.statusCode}: ${res.body}`);
  const body = res.json<{ csrfToken: string; user: ConsoleSession['user'] }>();
  return { cookie: sessionCookieOf(res), csrfToken: body.csrfToken, user: body.user };
}

/**
 * Sends a request the way the console does: the session cookie, the page's own Origin, and the
 * CSRF token on requests that change something. `headers` override those (to test refusals).
 */
export function asConsole(
  kino: TestKino,
  session: Pick<ConsoleSession, 'cookie' | 'csrfToken'>,
  method: Method,
  url: string,
  body?: unknown,
  headers: Record<string, string | undefined> = {},
): Promise<LightMyRequestResponse> {
  const unsafe = method !== 'GET' && method !== 'HEAD';
  const all: Record<string, string | undefined> = {
    cookie: session.cookie,
    ...(unsafe && { origin: 'http://localhost', 'x-csrf-token': session.csrfToken }),
    ...headers,
  };
  const defined = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return kino.app.inject({
    method,
    url,
    headers: defined,
    ...(body !== undefined && { payload: body as Record<string, unknown> }),
  });
}
