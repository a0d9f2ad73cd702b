import { z } from 'zod';
import { tenantOf } from '../../http/access.ts';
import { timestamp, toIso, withNotFound } from '../../http/common-schemas.ts';
import { ApiError, notFound, problemSchema } from '../../http/problem.ts';
import type { App } from '../../http/types.ts';
import type { KinoJobCatalog } from '../../jobs/catalog.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import type { MediaRow } from '../../db/schema.ts';
import { languageSchema } from '../captions.schemas.ts';
import { primaryLanguage } from './asr-engine.ts';
import type { CaptionSettingsRepository } from './caption-settings.repository.ts';

const generateBody = z.strictObject({
  language: languageSchema
    .optional()
    .describe("The language spoken; by default the media's `language`, else the tenant's default"),
});

const generateResponse = z
  .object({
    jobId: z.string(),
    mediaId: z.string(),
    language: z.string(),
    engine: z.string(),
    model: z.string(),
  })
  .meta({ id: 'CaptionGeneration' });

const settingsBody = z
  .strictObject({
    autoCaptions: z
      .enum(['off', 'draft', 'publish'])
      .optional()
      .describe('Machine captions for new media: none, a draft editors publish, or published at once'),
    captionLanguage: languageSchema
      .optional()
      .describe('The language media are spoken in unless a media says'),
  })
  .refine((b) => Object.keys(b).length > 0, 'send at least one setting');

const settingsResponse = z
  .object({
    autoCaptions: z.enum(['off', 'draft', 'publish']),
    captionLanguage: z.string(),
    updatedAt: timestamp.nullable(),
  })
  .meta({ id: 'TenantSettings' });

export interface AsrRoutesDeps {
  queue: JobQueue<KinoJobCatalog>;
  media: { get(tenantId: string, mediaId: string): Promise<MediaRow | undefined> };
  settings: CaptionSettingsRepository;
  engine: { name: string; model: string };
  now?: () => number;
}

/**
 * `POST /v1/media/{id}/captions/generate` (machine captions for a playable media) and the
 * tenant's settings for them (`GET`/`PUT /v1/tenant/settings`).
 *
 * @example await app.register(asrRoutes({ queue, media: repos.media, settings: repos.captionSettings, engine }))
 */
export function asrRoutes(deps: AsrRoutesDeps) {
  const now = deps.now ?? Date.now;
  return async (app: App) => {
    app.post(
      '/v1/media/:id/captions/generate',
      {
        config: { access: 'media:write' },
        schema: {
          tags: ['captions'],
          summary: 'Caption a media by speech recognition',
          description: `Starts a low-priority job that transcribes the media's audio with the server's engine (KINO_ASR) and stores a caption track with \`source: "asr"\`, its engine and model. The track is a \`draft\` (seen by editors, not by viewers, players or search) unless the tenant's \`autoCaptions\` is \`publish\`; publish it with \`PUT /v1/media/{id}/captions/{trackId} {"status": "published"}\`. Asking again replaces the draft; published tracks are never touched. 409 \`media_not_playable\` before the media is playable; 422 \`language_not_supported\` when the engine cannot recognise the language (the built-in sphinx engine knows English only).`,
          params: z.object({ id: z.string().max(64) }),
          body: generateBody.optional(),
          response: { 202: generateResponse, ...withNotFound, 409: problemSchema, 422: problemSchema },
        },
      },
      async (request, reply) => {
        const tenantId = tenantOf(request);
        const media = await deps.media.get(tenantId, request.params.id);
        if (!media) throw notFound('media');
        if (media.playable !== 1 || !media.source_key)
          throw new ApiError('media_not_playable', 'captions can be made once the media is playable');
        const settings = await deps.settings.get(tenantId);
        const language = request.body?.language ?? media.language ?? settings.language;
        if (deps.engine.name === 'sphinx' && primaryLanguage(language) !== 'en')
          throw new ApiError(
            'language_not_supported',
            `the sphinx engine recognises English only, not ${language}; the operator can configure KINO_ASR=openai or whisper for other languages`,
          );
        const { job } = await deps.queue.add({
          type: 'captions.generate',
          tenantId,
          payload: { tenantId, mediaId: media.id, language },
          idempotencyKey: `media:${media.id}:captions.generate`,
        });
        return reply.code(202).send({
          jobId: job.id,
          mediaId: media.id,
          language,
          engine: deps.engine.name,
          model: deps.engine.model,
        });
      },
    );

    const read = async (tenantId: string) => {
      const s = await deps.settings.get(tenantId);
      return {
        autoCaptions: s.autoCaptions,
        captionLanguage: s.language,
        updatedAt: s.updatedAt === null ? null : toIso(s.updatedAt),
      };
    };
    app.get(
      '/v1/tenant/settings',
      {
        config: { access: 'keys:manage' },
        schema: {
          tags: ['captions'],
          summary: "The tenant's settings (automatic captions)",
          response: { 200: settingsResponse, ...withNotFound },
        },
      },
      async (request) => read(tenantOf(request)),
    );
    app.put(
      '/v1/tenant/settings',
      {
        config: { access: 'keys:manage' },
        schema: {
          tags: ['captions'],
          summary: "Change the tenant's settings",
          description:
            '`autoCaptions`: `off` (no machine captions unless asked for), `draft` (new media get a draft machine track), `publish` (machine tracks are published at once). `captionLanguage`: the language spoken in media that do not say.',
          body: settingsBody,
          response: { 200: settingsResponse, ...withNotFound },
        },
      },
      async (request) => {
        const tenantId = tenantOf(request);
        const current = await deps.settings.get(tenantId);
        await deps.settings.put(
          tenantId,
          {
            autoCaptions: request.body.autoCaptions ?? current.autoCaptions,
            language: request.body.captionLanguage ?? current.language,
          },
          now(),
        );
        return read(tenantId);
      },
    );
  };
}
