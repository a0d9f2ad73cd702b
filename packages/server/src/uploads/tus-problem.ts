import type { FastifyReply } from 'fastify';
import { toProblem, type ErrorCode, type Problem } from '../http/problem.ts';

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/**
 * A tus extension Kino does not offer (concatenation, for parallel uploads): 501 with code
 * `not_supported`. A refusal of the request, not a failure of the server.
 */
export function notSupportedProblem(detail: string, requestId: string): Problem {
  return toProblem('not_supported', detail, requestId);
}

export function sendNotSupported(reply: FastifyReply, detail: string): FastifyReply {
  return reply.code(501).type(PROBLEM_TYPE).send(notSupportedProblem(detail, reply.request.id));
}

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
  let problem: Problem;
  if (response.status === 501) {
    problem = notSupportedProblem(text || 'this tus extension is not supported', requestId);
  } else {
    const { code, status } = codeFor(response.status);
    const detail =
      status >= 500 ? 'something went wrong on our side' : text || `upload request refused (${status})`;
    problem = toProblem(code, detail, requestId, { status });
  }
  const { status } = problem;
  const body = JSON.stringify(problem);
  const headers = new Headers(response.headers);
  headers.set('Content-Type', PROBLEM_TYPE);
  headers.set('Content-Length', String(Buffer.byteLength(body)));
  return new Response(body, { status, headers });
}
