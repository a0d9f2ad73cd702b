import type { FastifyRequest } from 'fastify';

/** The origin clients reach Kino at: KINO_PUBLIC_URL when set, else the request's own. */
export function baseUrlOf(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}
