import { safeFetch } from './safe-fetch.ts';

const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 10_000;
const NULL_BODY = new Set([101, 204, 205, 304]);

export interface GuardedFetchInit {
  method?: string;
  headers?: ConstructorParameters<typeof Headers>[0];
  body?: string | URLSearchParams | null;
  signal?: AbortSignal | null;
}

/**
 * A small `fetch` for identity providers and LMS key sets that tenants name (OIDC discovery, token
 * and JWKS endpoints): every address passes the URL import's SSRF policy, no redirect is followed,
 * answers are at most 1 MiB and everything is over within 10 s. Shaped like fetch so that
 * openid-client can take it as its customFetch.
 */
export function guardedFetch(opts: { allowPrivate: boolean }) {
  return async (url: string | URL, init: GuardedFetchInit = {}): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = init.body == null ? undefined : Buffer.from(init.body.toString());
    if (body) headers['content-length'] = String(body.length);
    const method = (init.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'POST') throw new TypeError(`method ${method} is not supported`);
    const res = await safeFetch(url, {
      allowPrivate: opts.allowPrivate,
      method,
      ...(body && { body }),
      headers,
      maxRedirects: 0,
      maxBytes: MAX_BYTES,
      connectTimeoutMs: TIMEOUT_MS,
      idleTimeoutMs: TIMEOUT_MS,
      deadline: Date.now() + TIMEOUT_MS,
      ...(init.signal && { signal: init.signal }),
    });
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    const answerHeaders = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) answerHeaders.append(name, v);
    }
    return new Response(NULL_BODY.has(res.status) ? null : Buffer.concat(chunks), {
      status: res.status,
      headers: answerHeaders,
    });
  };
}
