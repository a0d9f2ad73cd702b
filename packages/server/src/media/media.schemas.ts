import { z } from 'zod';
import { paginationQuery, timestamp } from '../http/common-schemas.ts';

const tags = z
  .array(z.string().trim().min(1).max(64))
  .max(50)
  .transform((list) => [...new Set(list)]);

export const visibilitySchema = z.enum(['public', 'private']);
export const mediaStatusSchema = z.enum(['waiting', 'processing', 'ready', 'errored']);

/** The fields a client may set when it creates a media, as JSON or as form fields. */
export const mediaFieldsSchema = z.strictObject({
  title: z.string().trim().max(500).optional(),
  description: z.string().max(10_000).optional(),
  tags: tags.optional(),
  visibility: visibilitySchema.optional(),
});

/** Where Kino fetches the file from: http or https only, and no longer than a presigned URL needs. */
export const importUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(8192)
  .describe('http(s) URL of the file, for example a presigned S3 URL');

export const createMediaBody = mediaFieldsSchema.extend({
  input: z
    .strictObject({ url: importUrlSchema })
    .optional()
    .describe('Import the file from this URL; without it the media waits for an upload'),
  normalizeLoudness: z
    .boolean()
    .optional()
    .describe('Bring the sound to -16 LUFS (EBU R128 integrated loudness) when processing'),
});

export const updateMediaBody = z
  .strictObject({
    title: z.string().trim().max(500),
    description: z.string().max(10_000),
    tags,
    visibility: visibilitySchema,
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');

export const listMediaQuery = z.object({
  ...paginationQuery,
  q: z.string().trim().min(1).max(200).optional().describe('Search in title, description and tags'),
  status: mediaStatusSchema.optional(),
});

export const mediaIdParams = z.object({ id: z.string().max(64) });

export const renditionSchema = z.object({
  kind: z.enum(['video', 'audio']),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  bitrate: z.number().int().nullable(),
  codec: z.string(),
});

export const playbackSchema = z
  .object({
    hls: z.string(),
    dash: z.string(),
    mp4: z.string().nullable(),
    poster: z.string().nullable(),
    storyboard: z.string().nullable(),
    embed: z.string(),
  })
  .meta({ id: 'Playback' });

export const mediaSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    visibility: visibilitySchema,
    status: mediaStatusSchema.describe('waiting (no source yet) -> processing -> ready | errored'),
    playable: z.boolean().describe('true once a first rendition can be streamed'),
    durationSeconds: z.number().nullable(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    renditions: z.array(renditionSchema),
    loudnessLufs: z
      .number()
      .nullable()
      .describe("integrated loudness of the source's default audio track (EBU R128, LUFS), once measured"),
    normalizeLoudness: z.boolean().describe('processing brings the sound to -16 LUFS'),
    playback: playbackSchema.nullable().describe('present once playable'),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    recovered: z
      .boolean()
      .describe('a recording completed as it was after its client stopped sending (POST /v1/recordings)'),
    liveStreamId: z.string().nullable().describe('the live stream this media is a broadcast of'),
    live: z
      .object({ status: z.enum(['active', 'ended']) })
      .nullable()
      .describe('a broadcast: active while it runs (reconnects included), ended once it is VOD'),
    original: z
      .object({
        tier: z
          .enum(['hot', 'cooling', 'cold', 'restoring'])
          .describe(
            'hot: read at once; cooling: moving to cold storage; cold: in cold storage (a reprocess restores it first); restoring: coming back, the reprocess waits for it',
          ),
        since: timestamp.describe('when the original entered this tier'),
      })
      .nullable()
      .describe(
        'where the original is stored (cold storage, KINO_COLD_AFTER_DAYS); null before it is stored',
      ),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Media' });

export type MediaJson = z.infer<typeof mediaSchema>;
export type CreateMediaInput = z.infer<typeof createMediaBody>;
export type MediaFields = z.infer<typeof mediaFieldsSchema>;
export type UpdateMediaInput = z.infer<typeof updateMediaBody>;
export type ListMediaQuery = z.infer<typeof listMediaQuery>;
