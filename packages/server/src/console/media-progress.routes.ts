import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { withNotFound } from '../http/common-schemas.ts';
import { notFound } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { mediaIdParams, mediaStatusSchema } from '../media/media.schemas.ts';

const progressSchema = z
  .object({
    status: mediaStatusSchema,
    playable: z.boolean(),
    percent: z
      .number()
      .nullable()
      .describe(
        '0–100 of the whole way to ready (import, first version, other renditions) while processing; null otherwise',
      ),
    message: z.string().nullable().describe('The step the worker is at'),
  })
  .meta({ id: 'MediaProgress' });

/** `GET /v1/media/{id}/progress`: how far processing has come, for the console's live status. */
export function mediaProgressRoutes(repos: Pick<Repositories, 'media' | 'jobProgress'>) {
  const { media, jobProgress: progress } = repos;
  return async (app: App) => {
    app.get(
      '/v1/media/:id/progress',
      {
        config: { access: 'media:read' },
        schema: {
          tags: ['media'],
          summary: 'Processing progress of a media, as its worker last reported it',
          params: mediaIdParams,
          response: { 200: progressSchema, ...withNotFound },
        },
      },
      async (request) => {
        const tenantId = tenantOf(request);
        const row = await media.get(tenantId, request.params.id);
        if (!row) throw notFound('media');
        const working = row.status === 'processing' ? await progress.forMedia(tenantId, row.id) : null;
        return {
          status: row.status,
          playable: row.playable === 1 && row.playback_prefix !== null,
          percent: working?.percent ?? null,
          message: working?.message ?? null,
        };
      },
    );
  };
}
