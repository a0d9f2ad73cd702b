import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { baseUrlOf } from '../http/base-url.ts';
import { PLAYER_PAGE_DIRECTIVES } from '../http/content-security-policy.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { isWellFormedId } from '../lib/ids.ts';
import type { JobProgressRepository } from '../jobs/job-progress.repository.ts';
import type { MediaRepository } from '../media/media.repository.ts';
import { allowCrossOrigin } from './cors.ts';
import { embedPage } from './embed-page.ts';
import { admittedAnswer, notFoundAnswer, refusedAnswer, type EmbedAnswer } from './embed-status.ts';
import { cacheControl, neverCacheErrors } from './http-caching.ts';
import { admit, type Admission, type PlayAccessDeps } from './play-access.ts';

export interface EmbedDeps extends PlayAccessDeps {
  media: Pick<MediaRepository, 'get'>;
  progress: Pick<JobProgressRepository, 'forMedia'>;
}

/** A CSP that lets only pages of these hosts (and Kino's own) frame the embed page. */
const frameAncestors = (patterns: readonly string[]) => `frame-ancestors 'self' ${patterns.join(' ')}`;

const params = z.object({ id: z.string().max(64) });
const querystring = z.object({
  token: z
    .string()
    .max(1024)
    .regex(/^[A-Za-z0-9_.-]+$/)
    .optional(),
});

/** The player's EmbedStatus (packages/player/src/embed-status.ts), generated from this schema. */
const embedStatusSchema = z
  .object({
    id: z.string(),
    title: z.string().describe('empty unless the viewer was let through'),
    state: z.enum(['playable', 'processing', 'waiting', 'errored', 'private', 'refused', 'not_found']),
    percent: z
      .number()
      .nullable()
      .describe('processing progress (0-100) while processing, when the worker has reported one'),
    message: z
      .string()
      .nullable()
      .describe('a sentence for people: the processing step, the error, or why playback is refused'),
    playback: z
      .object({ hls: z.string(), poster: z.string().nullable(), storyboard: z.string().nullable() })
      .nullable()
      .describe("present when playable: URLs that carry the viewer's token, if any"),
  })
  .meta({ id: 'EmbedStatus' });

/**
 * `/embed/{id}`: the iframe target, a page with the <kino-player> web component; and
 * `/embed/{id}/status`, where that player (on this page or any other) learns whether the media
 * plays, is still processing (with its progress), failed, or is private. Both pass the same gate as
 * /play, with the embedding page as the referrer; the player's own /play requests then come from
 * Kino's origin, which the rules always allow. Referrer rules also become frame-ancestors, so
 * browsers refuse to frame the page elsewhere even when they send no Referer.
 */
export function embedRoutes(deps: EmbedDeps) {
  const { media, progress } = deps;

  /** What the viewer may know of the media, and the admission when the gate let them through. */
  const answer = async (
    request: FastifyRequest,
    id: string,
    token: string | null,
  ): Promise<{
    answer: EmbedAnswer;
    admission: Admission | null;
    tenantId: string | null;
    refusal?: ApiError;
  }> => {
    const playable = isWellFormedId('med', id) ? await deps.playback.media(id) : undefined;
    if (!playable) return { answer: notFoundAnswer(id), admission: null, tenantId: null };
    let admission: Admission;
    try {
      admission = await admit(deps, request, playable, token);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return { answer: refusedAnswer(id, err), admission: null, tenantId: playable.tenant_id, refusal: err };
    }
    const row = await media.get(playable.tenant_id, id);
    if (!row) return { answer: notFoundAnswer(id), admission: null, tenantId: null };
    const working = row.status === 'processing' && row.playable !== 1;
    return {
      answer: admittedAnswer(row, {
        baseUrl: baseUrlOf(request, deps.publicUrl),
        token,
        progress: working ? await progress.forMedia(row.tenant_id, row.id) : null,
      }),
      admission,
      tenantId: row.tenant_id,
    };
  };

  const framePolicies = async (tenantId: string | null, admission: Admission | null) => {
    const policies: string[] = [];
    if (tenantId) {
      const rules = await deps.rules.get(tenantId);
      if (rules.referrers.length > 0) policies.push(frameAncestors(rules.referrers));
    }
    if (admission?.claims?.referrers) policies.push(frameAncestors(admission.claims.referrers));
    return policies;
  };

  return async (app: App) => {
    neverCacheErrors(app);
    app.get(
      '/embed/:id',
      { config: { access: 'public' }, schema: { hide: true, params, querystring } },
      async (request, reply) => {
        const token = request.query.token ?? null;
        const {
          answer: found,
          admission,
          tenantId,
          refusal,
        } = await answer(request, request.params.id, token);
        // Refused by the tenant's rules (this page or address): a problem, as /play answers. Private
        // media without a valid token get the page, which says so.
        if (refusal && found.status.state === 'refused') throw refusal;
        const playing = found.status.state === 'playable' && admission !== null;
        reply
          .code(found.httpStatus)
          .header('content-security-policy', [
            PLAYER_PAGE_DIRECTIVES.join('; '),
            ...(await framePolicies(tenantId, admission)),
          ])
          .header('referrer-policy', 'same-origin')
          .header(
            'cache-control',
            playing ? cacheControl('alias', admission.restricted, secondsLeft(admission)) : 'no-store',
          );
        return reply.type('text/html; charset=utf-8').send(embedPage(found.status, token));
      },
    );

    app.get(
      '/embed/:id/status',
      {
        config: { access: 'public' },
        schema: {
          tags: ['playback'],
          summary:
            'Where a media stands for a viewer, for the embedded player (CORS open); 401 (private), 403 (refused) and 404 answer the same shape',
          security: [],
          params,
          querystring,
          // Only 200: a problem+json answer of another code must not go through this schema.
          response: { 200: embedStatusSchema },
        },
      },
      async (request, reply) => {
        const { answer: found } = await answer(request, request.params.id, request.query.token ?? null);
        allowCrossOrigin(reply);
        // 401, 403 and 404 send the same shape: the status is set apart so that the body is typed
        // against the 200 schema, and answers of other codes keep the plain serializer.
        reply.statusCode = found.httpStatus;
        return reply.header('cache-control', 'no-store').send(found.status);
      },
    );
  };
}

const secondsLeft = (admission: { claims: { expiresAt: number } | null }) =>
  admission.claims ? admission.claims.expiresAt - Math.floor(Date.now() / 1000) : undefined;
