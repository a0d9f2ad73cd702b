import type { FastifyReply } from 'fastify';

/**
 * Players on other origins (a site embedding hls.js or dash.js) read /play with fetch/XHR: every
 * answer allows any origin, without credentials (tokens travel in the path), and exposes what
 * players read (ranges, lengths, validators). Preflights cover Range and the conditional headers.
 */
export function allowCrossOrigin(reply: FastifyReply): void {
  reply.header('access-control-allow-origin', '*');
  reply.header(
    'access-control-expose-headers',
    'content-length, content-range, accept-ranges, etag, x-request-id',
  );
  // Lets players time segment downloads through the Resource Timing API.
  reply.header('timing-allow-origin', '*');
}

/** The answer to a CORS preflight for /play. */
export function answerPreflight(reply: FastifyReply): FastifyReply {
  allowCrossOrigin(reply);
  return reply
    .code(204)
    .header('access-control-allow-methods', 'GET, HEAD, OPTIONS')
    .header('access-control-allow-headers', 'range, if-range, if-none-match, if-modified-since')
    .header('access-control-max-age', '86400')
    .header('cache-control', 'public, max-age=86400')
    .send();
}
