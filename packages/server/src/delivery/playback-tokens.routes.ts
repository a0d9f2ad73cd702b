import { isIP } from 'node:net';
import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { baseUrlOf } from '../http/base-url.ts';
import { timestamp, withNotFound } from '../http/common-schemas.ts';
import { ApiError, notFound } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { playbackUrls } from '../media/media.json.ts';
import type { MediaRepository } from '../media/media.repository.ts';
import { playbackSchema } from '../media/media.schemas.ts';
import type { PlaybackService } from './playback.service.ts';

const MAX_TOKEN_SECONDS = 7 * 24 * 3600;

export function playbackTokensRoutes(deps: {
  media: MediaRepository;
  playback: PlaybackService;
  publicUrl?: string | undefined;
}) {
  return async (app: App) => {
    app.post(
      '/v1/media/:id/playback-tokens',
      {
        config: { access: 'media:read' },
        schema: {
          tags: ['playback'],
          summary: 'A signed, expiring token and the playback URLs that carry it',
          params: z.object({ id: z.string().max(64) }),
          body: z
            .strictObject({
              expiresInSeconds: z.number().int().min(10).max(MAX_TOKEN_SECONDS).default(3600),
              ip: z
                .string()
                .refine((v) => isIP(v) !== 0, 'must be an IP address')
                .optional(),
            })
            .default({ expiresInSeconds: 3600 }),
          response: {
            201: z.object({ token: z.string(), expiresAt: timestamp, playback: playbackSchema }),
            ...withNotFound,
          },
        },
      },
      async (request, reply) => {
        const media = await deps.media.get(tenantOf(request), request.params.id);
        if (!media) throw notFound('media');
        if (!media.playback_prefix) throw new ApiError('conflict', 'the media is not playable yet');
        const expiresAt = Math.floor(Date.now() / 1000) + request.body.expiresInSeconds;
        const token = await deps.playback.signToken(media.id, expiresAt, request.body.ip);
        return reply.code(201).send({
          token,
          expiresAt: new Date(expiresAt * 1000).toISOString(),
          playback: playbackUrls(media, baseUrlOf(request, deps.publicUrl), token),
        });
      },
    );
  };
}
