import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** How far a webhook's x-zm-request-timestamp may be from now (Zoom suggests 5 minutes). */
export const ZOOM_TIMESTAMP_TOLERANCE_SECONDS = 300;

/**
 * Zoom's webhook signature: `v0=` + hex HMAC-SHA256(secret token, `v0:<timestamp>:<raw body>`),
 * sent in `x-zm-signature` with the timestamp in `x-zm-request-timestamp` (seconds).
 */
export function zoomSignature(secretToken: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secretToken).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export type ZoomVerdict = 'valid' | 'bad_signature' | 'stale_timestamp';

/** Checks a request's signature and that its timestamp is within the tolerance of `nowSeconds`. */
export function verifyZoomRequest(
  secretToken: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  rawBody: string,
  nowSeconds: number,
): ZoomVerdict {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return 'bad_signature';
  const expected = Buffer.from(zoomSignature(secretToken, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad_signature';
  if (Math.abs(nowSeconds - Number(timestamp)) > ZOOM_TIMESTAMP_TOLERANCE_SECONDS) return 'stale_timestamp';
  return 'valid';
}

/**
 * The answer to Zoom's `endpoint.url_validation` event: the plain token and its hex
 * HMAC-SHA256 under the webhook secret token.
 */
export function urlValidationAnswer(secretToken: string, plainToken: string) {
  return { plainToken, encryptedToken: createHmac('sha256', secretToken).update(plainToken).digest('hex') };
}

/** What identifies one signed request, for refusing it a second time. */
export function signatureHash(signature: string): string {
  return createHash('sha256').update(signature).digest('hex');
}
