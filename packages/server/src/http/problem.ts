import { z } from 'zod';

/**
 * Every error code the API answers with, and its HTTP status. Clients branch on `code`, so a code
 * is never renamed or reused for another meaning.
 */
export const ERROR_CODES = {
  invalid_request: 400,
  invalid_captions: 400,
  empty_part: 400,
  unauthorized: 401,
  invalid_api_key: 401,
  invalid_credentials: 401,
  zoom_signature_invalid: 401,
  insufficient_scope: 403,
  insufficient_role: 403,
  csrf_failed: 403,
  playback_token_required: 401,
  invalid_playback_token: 403,
  referrer_not_allowed: 403,
  ip_not_allowed: 403,
  operator_only: 403,
  origin_not_allowed: 403,
  tenant_key_required: 403,
  quota_exceeded: 403,
  invalid_setup_code: 403,
  invalid_beacon_grant: 403,
  lti_unknown_deployment: 403,
  lti_role_forbidden: 403,
  lti_invalid_id_token: 401,
  lti_wrong_audience: 401,
  lti_invalid_state: 400,
  lti_unknown_platform: 400,
  lti_replayed: 409,
  lti_deep_link_used: 409,
  sso_not_configured: 404,
  sso_failed: 401,
  sso_replayed: 409,
  not_found: 404,
  live_stream_idle: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  media_not_playable: 409,
  email_taken: 409,
  last_admin: 409,
  tenant_required: 409,
  upload_url_used: 409,
  already_set_up: 409,
  zoom_replayed: 409,
  recording_completed: 409,
  recording_empty: 409,
  part_exists: 409,
  part_out_of_order: 409,
  invite_used: 410,
  invite_expired: 410,
  upload_url_expired: 410,
  too_large: 413,
  idempotency_key_reused: 422,
  language_not_supported: 422,
  unsupported_media_type: 415,
  rate_limited: 429,
  too_many_attempts: 429,
  too_many_beacons: 429,
  internal_error: 500,
  not_supported: 501,
  zoom_unavailable: 502,
  not_ready: 503,
  read_only_standby: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error meant for the client: becomes an application/problem+json response. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.status = ERROR_CODES[code];
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    requestId: z.string().optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details with a stable code' });

export type Problem = z.infer<typeof problemSchema>;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function toProblem(
  code: ErrorCode,
  detail: string,
  requestId?: string,
  extra: Record<string, unknown> = {},
): Problem {
  const status = ERROR_CODES[code];
  return {
    type: `/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(requestId ? { requestId } : {}),
    ...extra,
  };
}
