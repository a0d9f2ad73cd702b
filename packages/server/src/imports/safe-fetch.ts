import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { checkHostname } from './address-policy.ts';
import { ImportError } from './import-error.ts';
import {
  pinnedLookup,
  resolveAllowed,
  systemResolver,
  type ResolvedAddress,
  type Resolver,
} from './pinned-dns.ts';
import { redactUrl, scrubSecrets } from './redact-url.ts';
import { responseBody, seconds } from './response-body.ts';

export interface SafeFetchOptions {
  /** Allow loopback, private and other inside addresses (KINO_IMPORT_ALLOW_PRIVATE=1). */
  allowPrivate: boolean;
  /** Extra request headers (Range, If-Range...). Authorization and Cookie are dropped when a redirect leaves the origin. */
  headers?: Record<string, string>;
  /** Default GET. A POST is never repeated on a redirect: give it maxRedirects 0. */
  method?: 'GET' | 'POST';
  /** The request body, for a POST. */
  body?: Buffer;
  /** Default 5. */
  maxRedirects?: number;
  /** The most body bytes accepted: a larger Content-Length is refused up front, a longer body fails when it gets there. */
  maxBytes?: number;
  /** Time to resolve, connect and finish the TLS handshake, per hop. Default 10 s. */
  connectTimeoutMs?: number;
  /** The longest silence from the source, headers and body alike. Default 30 s. */
  idleTimeoutMs?: number;
  /** When everything, body included, must be over (a Date.now() time); after it the request fails with `timeout`. */
  deadline?: number;
  signal?: AbortSignal;
  resolver?: Resolver;
  /** Where a socket for a checked address really goes; tests send public-looking addresses to a local server. */
  route?: (address: ResolvedAddress) => ResolvedAddress;
  /** Certificates to trust besides the system's, for sources behind a private CA. */
  ca?: string | Buffer | (string | Buffer)[];
}

export interface SafeFetchResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. It may carry secrets: show it only through redactUrl. */
  url: URL;
  /** Content-Length, when the source sent a valid one. */
  contentLength: number | undefined;
  /**
   * The body, streamed; the caller must consume or destroy it, and listen from the start: a lost
   * connection, a silence or too many bytes fail it with an ImportError 'error' event.
   */
  body: Readable;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CROSS_ORIGIN_DROPPED = ['authorization', 'cookie', 'proxy-authorization'];
const MAX_TIMER_MS = 2 ** 31 - 1;
// Certificate and name errors do not pass with time; connection resets and refusals may.
const PERMANENT_CODE = /ENOTFOUND|CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO|ERR_INVALID/;

/**
 * An HTTP(S) GET that only reaches addresses the address policy allows: it resolves the host
 * itself, checks every address, connects to a checked one, and does so again for every redirect.
 * User info in the URL becomes a Basic Authorization header. Statuses other than redirects are
 * returned, not thrown.
 *
 * @example
 * const res = await safeFetch('https://example.com/a.mp4', { allowPrivate: false, maxBytes: 1e9 });
 * await pipeline(res.body, createWriteStream(file));
 */
export async function safeFetch(input: string | URL, opts: SafeFetchOptions): Promise<SafeFetchResponse> {
  let url = parseSourceUrl(input);
  const maxRedirects = opts.maxRedirects ?? 5;
  const control = new AbortController();
  const onAbort = (): void => {
    control.abort(opts.signal?.reason);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  let deadlineTimer: NodeJS.Timeout | undefined;
  if (opts.deadline !== undefined) {
    const expire = (): void => {
      control.abort(new ImportError('timeout', 'the source did not finish within the time allowed'));
    };
    const left = opts.deadline - Date.now();
    if (left <= 0) expire();
    else if (left <= MAX_TIMER_MS) deadlineTimer = setTimeout(expire, left);
  }
  const release = (): void => {
    clearTimeout(deadlineTimer);
    opts.signal?.removeEventListener('abort', onAbort);
  };

  try {
    for (let hop = 0; ; hop++) {
      const headers = requestHeaders(url, input, opts.headers);
      const res = await requestOnce(url, headers, opts, control.signal, hop > 0);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined) {
        return finish(res, url, opts, control.signal, release);
      }
      res.destroy();
      if (hop >= maxRedirects) {
        throw new ImportError('too_many_redirects', `the source redirected more than ${maxRedirects} times`);
      }
      url = redirectTarget(location, url);
    }
  } catch (err) {
    release();
    throw err;
  }
}

/** Parses a source URL, refusing anything but http and https. */
export function parseSourceUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ImportError('bad_url', 'the source is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImportError(
      'bad_url',
      `only http and https URLs can be imported, not ${url.protocol.slice(0, -1)}`,
    );
  }
  if (url.hostname === '') throw new ImportError('bad_url', 'the source URL has no host');
  return url;
}

function redirectTarget(location: string, from: URL): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new ImportError('bad_url', 'the source redirected to an invalid URL');
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new ImportError('bad_url', `the source redirected to a ${next.protocol.slice(0, -1)} URL`);
  }
  return next;
}

function requestHeaders(
  url: URL,
  original: string | URL,
  extra: Record<string, string> = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': 'Kino',
    accept: '*/*',
    'accept-encoding': 'identity',
  };
  const sameOrigin = url.origin === new URL(original).origin;
  for (const [name, value] of Object.entries(extra)) {
    const lower = name.toLowerCase();
    if (!sameOrigin && CROSS_ORIGIN_DROPPED.includes(lower)) continue;
    headers[lower] = value;
  }
  if (url.username !== '' || url.password !== '') {
    const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(user).toString('base64')}`;
  }
  return headers;
}

function finish(
  res: IncomingMessage,
  url: URL,
  opts: SafeFetchOptions,
  signal: AbortSignal,
  release: () => void,
): SafeFetchResponse {
  const status = res.statusCode ?? 0;
  const declared = res.headers['content-length'];
  const contentLength = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
  const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  if (status >= 200 && status < 300 && contentLength !== undefined && contentLength > maxBytes) {
    res.destroy();
    throw new ImportError(
      'too_large',
      `the file is ${contentLength} bytes, more than the limit of ${maxBytes} bytes`,
    );
  }
  const onAbort = (): void => {
    body.destroy(signal.reason as Error);
  };
  const body = responseBody(res, {
    maxBytes,
    idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
    dropped: (bytes, cause) =>
      new ImportError('network', `the connection to the source was lost after ${bytes} bytes of the body`, {
        retryable: true,
        cause,
      }),
    onClose: () => {
      signal.removeEventListener('abort', onAbort);
      release();
    },
  });
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  return { status, headers: res.headers, url, contentLength, body };
}

/** One request, resolved with its response once the headers arrive. */
function requestOnce(
  url: URL,
  headers: Record<string, string>,
  opts: SafeFetchOptions,
  signal: AbortSignal,
  redirected: boolean,
): Promise<IncomingMessage> {
  const policy = { allowPrivate: opts.allowPrivate };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const refusedPrefix = redirected
    ? `refused to follow a redirect to ${redactUrl(url)}`
    : 'refused to fetch the source';
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;

  return new Promise<IncomingMessage>((resolve, reject) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    let socket: Socket | undefined;
    const onIdle = (): void => {
      fail(
        new ImportError('timeout', `the source sent nothing for ${seconds(idleTimeoutMs)}`, {
          retryable: true,
        }),
      );
    };
    const connectTimer = setTimeout(() => {
      fail(
        new ImportError('timeout', `could not connect to ${host} within ${seconds(connectTimeoutMs)}`, {
          retryable: true,
        }),
      );
    }, connectTimeoutMs);
    const onAbort = (): void => {
      fail(signal.reason, false);
    };
    const cleanup = (): void => {
      clearTimeout(connectTimer);
      signal.removeEventListener('abort', onAbort);
      socket?.off('timeout', onIdle);
      socket?.setTimeout(0);
    };
    /** Rejects once; anything but an ImportError or the caller's abort reason is a network failure. */
    function fail(err: unknown, wrap = true): void {
      if (settled) return;
      settled = true;
      cleanup();
      req?.destroy();
      reject(!wrap || err instanceof ImportError ? (err as Error) : networkError(err, host, url));
    }
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) {
      onAbort();
      return;
    }

    const hostVerdict = checkHostname(host, policy);
    if (!hostVerdict.allowed) {
      fail(new ImportError('blocked_address', `${refusedPrefix}: ${hostVerdict.description}`));
      return;
    }
    const addresses: Promise<ResolvedAddress[] | undefined> =
      isIP(host) !== 0
        ? Promise.resolve(undefined)
        : resolveAllowed(host, opts.resolver ?? systemResolver, policy);
    addresses.then(
      (checked) => {
        if (settled) return;
        const pinned = checked?.map(opts.route ?? ((a) => a));
        const transport = url.protocol === 'https:' ? https : http;
        req = transport.request({
          protocol: url.protocol,
          hostname: host,
          port: url.port === '' ? undefined : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: opts.method ?? 'GET',
          headers,
          agent: false,
          ...(pinned ? { lookup: pinnedLookup(pinned) } : {}),
          ...(opts.ca !== undefined && url.protocol === 'https:' ? { ca: opts.ca } : {}),
        });
        req.on('socket', (s) => {
          socket = s;
          s.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
            clearTimeout(connectTimer);
            s.setTimeout(idleTimeoutMs);
            s.on('timeout', onIdle);
          });
        });
        req.on('error', (err) => {
          fail(err);
        });
        req.on('response', (res) => {
          if (settled) {
            res.destroy();
            return;
          }
          settled = true;
          cleanup();
          // Errors from here on reach the caller through the body.
          req?.removeAllListeners('error');
          req?.on('error', () => undefined);
          resolve(res);
        });
        req.end(opts.body);
      },
      (err: unknown) => {
        fail(
          err instanceof ImportError && err.reason === 'blocked_address'
            ? new ImportError('blocked_address', `${refusedPrefix}: ${err.message}`)
            : err,
        );
      },
    );
  });
}

function networkError(err: unknown, host: string, url: URL): ImportError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const detail = err instanceof Error ? scrubSecrets(err.message, url) : String(err);
  return new ImportError('network', `could not fetch from ${host}: ${detail}`, {
    retryable: code === undefined || !PERMANENT_CODE.test(code),
    cause: err,
  });
}
