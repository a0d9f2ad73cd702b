import { toProblem, type ErrorCode } from '../http/problem.ts';

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/**
 * The problem code for a status tus answered with. tus reports a missing Upload-Offset or
 * Content-Type as 403; Kino answers those as the 400 they are.
 */
function codeFor(status: number): { code: ErrorCode; status: number } {
  switch (status) {
    case 400:
    case 403:
      return { code: 'invalid_request', status: 400 };
    case 404:
      return { code: 'not_found', status };
    // An expired or removed upload: tus clients tell 410 apart from 404, so the status stays.
    case 410:
      return { code: 'not_found', status };
    case 409:
      return { code: 'conflict', status };
    case 413:
      return { code: 'too_large', status };
    default:
      return status >= 500 ? { code: 'internal_error', status } : { code: 'invalid_request', status };
  }
}

/**
 * Turns one of tus's plain-text error responses into problem+json with a stable code, keeping
 * its protocol and CORS headers. Other responses pass through untouched.
 */
export async function asProblemResponse(response: Response, requestId: string): Promise<Response> {
  if (response.status < 400) return response;
  const text = (await response.text()).trim();
  const { code, status } = codeFor(response.status);
  const detail =
    status >= 500 ? 'something went wrong on our side' : text || `upload request refused (${status})`;
  const body = JSON.stringify(toProblem(code, detail, requestId, { status }));
  const headers = new Headers(response.headers);
  headers.set('Content-Type', PROBLEM_TYPE);
  headers.set('Content-Length', String(Buffer.byteLength(body)));
  return new Response(body, { status, headers });
}
