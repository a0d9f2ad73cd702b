import { checkHostname } from '../imports/address-policy.ts';
import { ApiError } from '../http/problem.ts';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks an endpoint URL when it is set: http or https, https unless it is a loopback address and
 * private addresses are allowed (KINO_IMPORT_ALLOW_PRIVATE), and not an address the fetch policy
 * refuses. Names are checked again, resolved, on every delivery.
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
