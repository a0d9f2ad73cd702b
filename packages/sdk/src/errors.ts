import type { components } from './openapi.gen.ts';

/** The body of every Kino error answer: RFC 9457 problem details with a stable `code`. */
export type Problem = components['schemas']['Problem'];

/**
 * An error answer of the Kino API (`application/problem+json`), as a typed object. Branch on
 * `code`: it is stable across versions, unlike `detail`, which is meant for people.
 *
 * @example
 * try {
 *   await kino.media.get('med_missing');
 * } catch (err) {
 *   if (err instanceof KinoApiError && err.code === 'not_found') console.log('no such media');
 *   else throw err;
 * }
 */
export class KinoApiError extends Error {
  override name = 'KinoApiError';
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The stable error code (`not_found`, `invalid_request`, `quota_exceeded`, …). */
  readonly code: string;
  /** The whole problem object, with any extra fields the code carries (`errors`, `quota`, …). */
  readonly problem: Problem;
  /** The request id Kino logged this request under, for a support question. */
  readonly requestId: string | undefined;

  constructor(status: number, problem: Problem, requestId?: string) {
    super(`${problem.code}: ${problem.detail}`);
    this.status = status;
    this.code = problem.code;
    this.problem = problem;
    this.requestId = problem.requestId ?? requestId;
  }
}

/**
 * A wait that did not end in time (`waitForMedia`), carrying the media as last seen.
 *
 * @example
 * try {
 *   await kino.media.waitFor(id, 'ready', { timeoutMs: 60_000 });
 * } catch (err) {
 *   if (err instanceof KinoTimeoutError) console.log('still', err.lastStatus);
 * }
 */
export class KinoTimeoutError extends Error {
  override name = 'KinoTimeoutError';
  constructor(
    message: string,
    /** The media's status at the last poll, when there was one. */
    readonly lastStatus: string | undefined,
  ) {
    super(message);
  }
}

/**
 * A media that ended `errored` while being waited for; `code` is the media's error code
 * (`unsupported_media`, `corrupt_media`, `too_large`, `import_failed`, `processing_failed`).
 *
 * @example
 * try {
 *   await kino.media.waitFor(id, 'ready');
 * } catch (err) {
 *   if (err instanceof KinoMediaError) console.log(err.code, err.message);
 * }
 */
export class KinoMediaError extends Error {
  override name = 'KinoMediaError';
  constructor(
    readonly mediaId: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An upload that failed for good (after tus-js-client's retries); `status` is the last HTTP status,
 * `code` the problem code when Kino answered with one (`quota_exceeded`, `too_large`, …).
 *
 * @example
 * try {
 *   await kino.upload(file);
 * } catch (err) {
 *   if (err instanceof KinoUploadError && err.code === 'quota_exceeded') alert('Storage is full');
 * }
 */
export class KinoUploadError extends Error {
  override name = 'KinoUploadError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A webhook whose `Kino-Signature` is missing, malformed, too old or wrong. Answer such a request
 * with 400 and do not act on its body.
 *
 * @example
 * try {
 *   const event = await verifyWebhook({ secret, header, rawBody });
 * } catch (err) {
 *   if (err instanceof WebhookVerificationError) res.writeHead(400).end(err.reason);
 * }
 */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  constructor(
    readonly reason:
      | 'missing_signature'
      | 'malformed_signature'
      | 'timestamp_out_of_tolerance'
      | 'signature_mismatch'
      | 'malformed_body',
  ) {
    super(`webhook refused: ${reason}`);
  }
}

/** The problem object of an error answer body, or a stand-in when the body is not one. */
export function problemOf(status: number, body: unknown, fallbackDetail: string): Problem {
  if (body !== null && typeof body === 'object' && typeof (body as { code?: unknown }).code === 'string') {
    return body as Problem;
  }
  return {
    type: 'about:blank',
    title: `HTTP ${status}`,
    status,
    detail: fallbackDetail,
    code: status >= 500 ? 'internal_error' : 'http_error',
  };
}
