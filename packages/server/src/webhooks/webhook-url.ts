import { isIP } from 'node:net';
import { checkAddress, checkHostname } from '../imports/address-policy.ts';
import { systemResolver, type ResolvedAddress, type Resolver } from '../imports/pinned-dns.ts';
import { ApiError } from '../http/problem.ts';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks an endpoint URL when it is set: http or https, https unless it is a loopback address and
 * private addresses are allowed (KINO_IMPORT_ALLOW_PRIVATE), and not an address the fetch policy
 * refuses. Names are resolved by checkWebhookHost, and again on every delivery.
 */
export function validateWebhookUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError('invalid_request', 'the webhook URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ApiError('invalid_request', 'a webhook URL must be http or https');
  }
  const loopback = LOOPBACK_NAMES.has(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol === 'http:' && !(loopback && allowPrivate)) {
    throw new ApiError('invalid_request', 'a webhook URL must use https');
  }
  const verdict = checkHostname(url.hostname, { allowPrivate });
  if (!verdict.allowed) {
    throw new ApiError('invalid_request', `webhooks cannot be sent to ${verdict.description}`);
  }
  return url.toString();
}

const RESOLVE_TIMEOUT_MS = 3_000;

/**
 * Resolves the host name of a URL that passed validateWebhookUrl and refuses it (the same 400 as
 * an address literal) when any of its addresses is one the fetch policy refuses. A name that does
 * not resolve now, or not within `timeoutMs`, is taken: each delivery resolves and checks it again.
 *
 * @example await checkWebhookHost('https://hooks.example.com/kino', { allowPrivate: false });
 */
export async function checkWebhookHost(
  url: string,
  opts: { allowPrivate: boolean; resolver?: Resolver | undefined; timeoutMs?: number },
): Promise<void> {
  const { hostname } = new URL(url);
  if (opts.allowPrivate || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0) return;
  const addresses = await resolveWithin(
    hostname,
    opts.resolver ?? systemResolver,
    opts.timeoutMs ?? RESOLVE_TIMEOUT_MS,
  );
  for (const { address } of addresses) {
    const verdict = checkAddress(address, { allowPrivate: false });
    if (!verdict.allowed) {
      throw new ApiError(
        'invalid_request',
        `webhooks cannot be sent to ${hostname}: it resolves to ${verdict.description}`,
      );
    }
  }
}

/** The addresses of a name, or none when it does not resolve in time. */
async function resolveWithin(
  hostname: string,
  resolver: Resolver,
  timeoutMs: number,
): Promise<ResolvedAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ResolvedAddress[]>((resolve) => {
    timer = setTimeout(() => {
      resolve([]);
    }, timeoutMs).unref();
  });
  try {
    return await Promise.race([resolver(hostname).catch(() => []), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
