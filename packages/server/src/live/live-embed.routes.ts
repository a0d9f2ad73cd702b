import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allowCrossOrigin } from '../delivery/cors.ts';
import { EMBED_PAGE_STYLE, PLAYER_MODULE_PATH } from '../delivery/embed-page.ts';
import { admit, type PlayAccessDeps } from '../delivery/play-access.ts';
import type { PlayableMedia } from '../delivery/playable-media.repository.ts';
import type { LiveStreamRow } from '../db/schema.ts';
import { baseUrlOf } from '../http/base-url.ts';
import { PLAYER_PAGE_DIRECTIVES } from '../http/content-security-policy.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { isWellFormedId } from '../lib/ids.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { parseTracks } from './live-tracks.ts';

export interface LiveEmbedDeps {
  repos: Pick<Repositories, 'liveStreams' | 'liveSegments' | 'media'>;
  access: PlayAccessDeps;
}

const params = z.object({ id: z.string().max(64) });
const querystring = z.object({
  token: z
    .string()
    .max(1024)
    .regex(/^[A-Za-z0-9_.-]+$/)
    .optional(),
});

/** The player's LiveEmbedStatus, generated from this schema. */
const liveEmbedStatusSchema = z
  .object({
    id: z.string(),
    title: z.string().describe('empty unless the viewer was let through'),
    state: z.enum(['live', 'offline', 'private', 'refused', 'not_found']),
    message: z.string().nullable().describe('a sentence for people: why playback is refused'),
    playback: z
      .object({ hls: z.string() })
      .nullable()
      .describe("present while live: the stream's master playlist, with the viewer's token if any"),
  })
  .meta({ id: 'LiveEmbedStatus' });

type LiveEmbedStatus = z.infer<typeof liveEmbedStatusSchema>;

interface Answer {
  status: LiveEmbedStatus;
  httpStatus: number;
  refusal?: ApiError;
  tenantId?: string;
}

const hidden = (id: string, state: LiveEmbedStatus['state'], message: string | null, httpStatus: number) => ({
  status: { id, title: '', state, message, playback: null },
  httpStatus,
});

/** The stream in the shape the /play gate reads: tokens for a live stream name the stream's id. */
const asPlayable = (stream: LiveStreamRow): PlayableMedia => ({
  id: stream.id,
  tenant_id: stream.tenant_id,
  visibility: stream.visibility,
  playback_prefix: null,
  playback_index: null,
  title: stream.title,
  live_stream_id: stream.id,
  live_status: null,
});

const FALLBACK_TEXT: Record<LiveEmbedStatus['state'], string> = {
  live: '',
  offline: 'This live stream is offline',
  private: 'This live stream is private',
  refused: 'This live stream cannot be played here',
  not_found: 'This live stream does not exist',
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * `/embed/live/{id}`: the iframe target for a live stream, and `/embed/live/{id}/status`, which
 * its player asks every few seconds: `offline` while nothing broadcasts, `live` (with the master
 * playlist) once the broadcast's first segments are there. Both pass the /play gate with the
 * stream itself: a private stream needs a live stream token, and without one the page says so and
 * carries no player.
 */
export function liveEmbedRoutes(deps: LiveEmbedDeps) {
  const answer = async (request: FastifyRequest, id: string, token: string | null): Promise<Answer> => {
    const stream = isWellFormedId('ls', id) ? await deps.repos.liveStreams.getById(id) : undefined;
    if (!stream) return hidden(id, 'not_found', null, 404);
    try {
      await admit(deps.access, request, asPlayable(stream), token);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.code === 'playback_token_required')
        return { ...hidden(id, 'private', null, err.status), refusal: err };
      if (err.code === 'invalid_playback_token') {
        return {
          ...hidden(id, 'private', 'This link has expired or is not valid.', err.status),
          refusal: err,
        };
      }
      return { ...hidden(id, 'refused', err.message, err.status), refusal: err };
    }
    const base = baseUrlOf(request, deps.access.publicUrl);
    const hls = token
      ? `${base}/play/t/${token}/live/${stream.id}/master.m3u8`
      : `${base}/play/live/${stream.id}/master.m3u8`;
    const live = await broadcasting(deps, stream);
    return {
      tenantId: stream.tenant_id,
      status: {
        id: stream.id,
        title: stream.title,
        state: live ? 'live' : 'offline',
        message: null,
        playback: live ? { hls } : null,
      },
      httpStatus: 200,
    };
  };

  return async (app: App) => {
    app.get(
      '/embed/live/:id',
      { config: { access: 'public' }, schema: { hide: true, params, querystring } },
      async (request, reply) => {
        const token = request.query.token ?? null;
        const found = await answer(request, request.params.id, token);
        if (found.refusal && found.status.state === 'refused') throw found.refusal;
        // The tenant's referrer rules become frame-ancestors, as on the VOD embed page.
        const referrers = found.tenantId ? (await deps.access.rules.get(found.tenantId)).referrers : [];
        const policies = [PLAYER_PAGE_DIRECTIVES.join('; ')];
        if (referrers.length > 0) policies.push(`frame-ancestors 'self' ${referrers.join(' ')}`);
        return reply
          .code(found.httpStatus)
          .header('content-security-policy', policies)
          .header('referrer-policy', 'same-origin')
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(liveEmbedPage(found.status, token));
      },
    );

    app.get(
      '/embed/live/:id/status',
      {
        config: { access: 'public' },
        schema: {
          tags: ['playback'],
          summary:
            'Whether a live stream is broadcasting, for the embedded player (CORS open); 401 (private), 403 (refused) and 404 answer the same shape',
          security: [],
          params,
          querystring,
          response: { 200: liveEmbedStatusSchema },
        },
      },
      async (request, reply) => {
        const found = await answer(request, request.params.id, request.query.token ?? null);
        allowCrossOrigin(reply);
        reply.statusCode = found.httpStatus;
        return reply.header('cache-control', 'no-store').send(found.status);
      },
    );
  };
}

/** A broadcast is running and has its first segments listed (its master playlist answers). */
async function broadcasting(deps: LiveEmbedDeps, stream: LiveStreamRow): Promise<boolean> {
  if (!stream.active_media_id) return false;
  const media = await deps.repos.media.getForPlayback(stream.active_media_id);
  if (media?.live_status !== 'active') return false;
  const periods = await deps.repos.liveSegments.periods(media.id);
  return periods.some((p) => parseTracks(p.tracks).length > 0);
}

/**
 * The page: a <kino-player> that follows the stream (offline until a broadcast starts, then
 * playing by itself). A refused viewer gets the refusal in words and no player.
 */
export function liveEmbedPage(status: LiveEmbedStatus, token: string | null): string {
  const admitted = status.state === 'live' || status.state === 'offline';
  const attributes = [
    ` live-stream-id="${escapeHtml(status.id)}"`,
    token ? ` token="${escapeHtml(token)}"` : '',
    status.title ? ` label="${escapeHtml(status.title)}"` : '',
  ].join('');
  const body = admitted
    ? `<kino-player${attributes}><p class="fallback">${escapeHtml(
        status.state === 'live' ? 'Live' : FALLBACK_TEXT.offline,
      )}</p></kino-player>`
    : `<p class="fallback" role="status">${escapeHtml(FALLBACK_TEXT[status.state])}</p>`;
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${escapeHtml(status.title || 'Kino live')}</title>` +
    `<style>${EMBED_PAGE_STYLE}</style>` +
    (admitted ? `<script type="module" src="${PLAYER_MODULE_PATH}"></script>` : '') +
    `</head><body>${body}</body></html>`
  );
}
