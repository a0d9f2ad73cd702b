/** Why a URL import failed; stable, for programs. */
export type ImportFailureReason =
  | 'blocked_address'
  | 'bad_url'
  | 'http_status'
  | 'too_large'
  | 'timeout'
  | 'too_many_redirects'
  | 'not_media'
  | 'network';

import { STATUS_CODES } from 'node:http';

/**
 * A URL import that failed: `reason` is the stable code, `message` says what happened in words a
 * person understands and never contains the URL's secrets (see redactUrl).
 */
export class ImportError extends Error {
  override name = 'ImportError';
  /** Whether another attempt may succeed (a dropped connection, a 503), as opposed to a refusal. */
  readonly retryable: boolean;
  /** The HTTP status, for `http_status`. */
  readonly status: number | undefined;

  constructor(
    readonly reason: ImportFailureReason,
    message: string,
    opts: { retryable?: boolean; status?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retryable = opts.retryable ?? false;
    this.status = opts.status;
  }
}

/** The error for a final response that is not the one asked for. 5xx, 408 and 429 may pass with time. */
export function httpStatusError(status: number): ImportError {
  const phrase = STATUS_CODES[status];
  return new ImportError('http_status', `the source answered ${status}${phrase ? ` ${phrase}` : ''}`, {
    status,
    retryable: status >= 500 || status === 408 || status === 429,
  });
}

export function isImportError(err: unknown): err is ImportError {
  return err instanceof ImportError;
}
