import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isReadOnlyDatabaseError } from '../db/read-only-error.ts';
import { ApiError, toProblem, type ErrorCode } from './problem.ts';

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

export function sendProblem(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply
    .code(error.status)
    .type(PROBLEM_TYPE)
    .send(toProblem(error.code, error.message, reply.request.id, error.extra));
}

// Fastify's own client errors (bad JSON, wrong content type, body too large) keep their status.
const FRAMEWORK_CODES: Record<number, ErrorCode> = {
  400: 'invalid_request',
  404: 'route_not_found',
  405: 'method_not_allowed',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Maps every thrown error to problem+json; unexpected ones are logged and hidden from the client. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ApiError) return sendProblem(reply, error);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((v) => ({
      in: error.validationContext ?? 'body',
      path: v.instancePath || '/',
      message: v.message ?? 'invalid',
    }));
    const first = errors[0];
    const detail = first ? `${first.in} ${first.path}: ${first.message}` : 'the request is invalid';
    return sendProblem(reply, new ApiError('invalid_request', detail, { errors }));
  }
  // SQLSTATE 25006: a write reached a PostgreSQL standby (a GET that records something, say).
  if (isReadOnlyDatabaseError(error)) {
    return sendProblem(
      reply,
      new ApiError(
        'read_only_standby',
        'this Kino runs on a standby database and takes no writes until it is promoted',
      ),
    );
  }
  const status = error.statusCode ?? 500;
  const code = FRAMEWORK_CODES[status];
  if (code && status < 500) return sendProblem(reply, new ApiError(code, error.message));
  request.log.error({ err: error }, 'request failed');
  return sendProblem(reply, new ApiError('internal_error', 'something went wrong on our side'));
}
