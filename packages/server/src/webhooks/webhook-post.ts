import type { Readable } from 'node:stream';
import { isImportError } from '../imports/import-error.ts';
import { safeFetch, type SafeFetchOptions } from '../imports/safe-fetch.ts';

export const RESPONSE_EXCERPT_BYTES = 1024;

export interface PostOutcome {
  ok: boolean;
  status: number | null;
  /** The first kilobyte of the response body. */
  responseBody: string | null;
  durationMs: number;
  error: string | null;
  /** Another attempt cannot help (the address is refused, the URL is invalid). */
  permanent: boolean;
}

/** Test hooks passed on to safeFetch (name resolution, routing to a local server). */
export type PostFetchOptions = Pick<SafeFetchOptions, 'resolver' | 'route' | 'ca'>;

/**
 * POSTs one webhook body through the SSRF-guarded fetch: every address checked, no redirect
 * followed, everything over within `timeoutMs`. Never throws for the receiver's failures.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { allowPrivate: boolean; timeoutMs: number; signal?: AbortSignal; fetch?: PostFetchOptions },
): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const payload = Buffer.from(body);
  try {
    const res = await safeFetch(url, {
      ...opts.fetch,
      allowPrivate: opts.allowPrivate,
      method: 'POST',
      body: payload,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length) },
      maxRedirects: 0,
      connectTimeoutMs: opts.timeoutMs,
      idleTimeoutMs: opts.timeoutMs,
      deadline: Date.now() + opts.timeoutMs,
      ...(opts.signal && { signal: opts.signal }),
    });
    const excerpt = await readExcerpt(res.body);
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      status: res.status,
      responseBody: excerpt,
      durationMs: elapsed(),
      error: ok ? null : `the endpoint answered ${res.status}`,
      permanent: false,
    };
  } catch (err) {
    const redirect = isImportError(err) && err.reason === 'too_many_redirects';
    return {
      ok: false,
      status: null,
      responseBody: null,
      durationMs: elapsed(),
      error: redirect
        ? 'the endpoint answered with a redirect; redirects are not followed'
        : err instanceof Error
          ? err.message
          : String(err),
      permanent: isImportError(err) && (err.reason === 'blocked_address' || err.reason === 'bad_url'),
    };
  }
}

/** Reads the start of a body and drops the rest; a body that fails midway keeps what arrived. */
async function readExcerpt(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      size += buf.length;
      if (size >= RESPONSE_EXCERPT_BYTES) break;
    }
  } catch {
    // The status already says what happened; the excerpt is a courtesy.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
}
