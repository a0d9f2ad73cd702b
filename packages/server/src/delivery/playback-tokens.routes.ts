import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { baseUrlOf } from '../http/base-url.ts';
import { timestamp, withNotFound } from '../http/common-schemas.ts';
import { ApiError, notFound } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { playbackUrls } from '../media/media.json.ts';
import type { MediaRepository } from '../media/media.repository.ts';
import { playbackSchema } from '../media/media.schemas.ts';
import { cidrSchema, hostPatternSchema } from '../tenants/playback-rules.ts';
import type { PlaybackService } from './playback.service.ts';
import { MAX_TOKEN_SECONDS } from '../media/playback-limits.ts';
import { MAX_TOKEN_LENGTH } from './playback-token.ts';

const DEFAULT_TOKEN_SECONDS = 3600;

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
              expiresInSeconds: z
                .number()
                .int()
                .min(10)
                .max(MAX_TOKEN_SECONDS)
                .default(DEFAULT_TOKEN_SECONDS),
              ip: cidrSchema.optional().describe('Only this client address or network (CIDR) may use it'),
              referrers: z
                .array(hostPatternSchema)
                .min(1)
                .max(20)
                .optional()
                .describe(
                  'Only pages of these domains may use it (example.com, *.example.com); requests ' +
                    'without a Referer are then refused',
                ),
            })
            // No body at all (null) means every default.
            .nullish(),
          response: {
            201: z.object({ token: z.string(), expiresAt: timestamp, playback: playbackSchema }),
            ...withNotFound,
          },
        },
      },
      async (request, reply) => {
        const media = await deps.media.get(tenantOf(request), request.params.id);
        if (!media) throw notFound('media');
        if (!media.playback_prefix && !media.live_stream_id)
          throw new ApiError('conflict', 'the media is not playable yet');
        const { expiresInSeconds = DEFAULT_TOKEN_SECONDS, ip, referrers } = request.body ?? {};
        const expiresAt = Math.floor(Date.now() / 1000) + expiresInSeconds;
        const token = await deps.playback.signToken({ mediaId: media.id, expiresAt, ip, referrers });
        if (token.length > MAX_TOKEN_LENGTH) {
          throw new ApiError(
            'invalid_request',
            'the referrers make the token too long: list fewer or shorter ones',
          );
        }
        return reply.code(201).send({
          token,
          expiresAt: new Date(expiresAt * 1000).toISOString(),
          playback: playbackUrls(media, baseUrlOf(request, deps.publicUrl), token),
        });
      },
    );
  };
}
