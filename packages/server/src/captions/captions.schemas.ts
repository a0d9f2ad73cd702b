import { z } from 'zod';
import { timestamp } from '../http/common-schemas.ts';
import { mediaSchema } from '../media/media.schemas.ts';

/** The largest caption file Kino takes (5 MB, decimal): hours of dense subtitles fit many times over. */
export const MAX_CAPTION_BYTES = 5_000_000;

function canonicalLanguage(tag: string): string | null {
  if (!/^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/.test(tag)) return null;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

export const languageSchema = z
  .string()
  .trim()
  .max(35)
  .transform((tag, ctx) => {
    const canonical = canonicalLanguage(tag);
    if (canonical === null) {
      ctx.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag such as en, de or pt-BR' });
      return z.NEVER;
    }
    return canonical;
  })
  .describe('BCP 47 language tag (en, de, pt-BR); stored in canonical case');

export const captionKindSchema = z
  .enum(['captions', 'subtitles'])
  .describe(
    'captions: for viewers who cannot hear the audio (speech and sounds); subtitles: a transcript or translation',
  );

export const captionFormatSchema = z
  .enum(['vtt', 'srt', 'ttml', 'dfxp'])
  .describe('How to read the file; detected from its content when absent (dfxp is read as ttml)');

const label = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}"]*$/u, 'must be one line without quotes')
  .describe("Name in the player's menu; by default the language's own name for itself");

/** Fields of a track a client sets, from JSON or form fields. */
export const trackFieldsSchema = z.strictObject({
  language: languageSchema,
  label: label.optional(),
  kind: captionKindSchema.default('subtitles'),
  default: z.boolean().default(false).describe("Players select the media's default track by themselves"),
});

export const captionStatusSchema = z
  .enum(['draft', 'published'])
  .describe('draft: seen by editors only (not by viewers, players or search) until published');

export const trackChangesSchema = z.strictObject({
  status: captionStatusSchema.optional().describe('`published` publishes a draft'),
  language: languageSchema.optional(),
  label: label.optional(),
  kind: captionKindSchema.optional(),
  default: z.boolean().optional(),
});

const content = z
  .string()
  .min(1)
  .describe(`The caption file's text (WebVTT, SubRip or TTML/DFXP), at most ${MAX_CAPTION_BYTES} bytes`);

export const createCaptionBody = trackFieldsSchema.extend({
  content,
  format: captionFormatSchema.optional(),
});

export const replaceCaptionBody = trackChangesSchema
  .extend({ content: content.optional(), format: captionFormatSchema.optional() })
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');

export const captionTrackSchema = z
  .object({
    id: z.string(),
    mediaId: z.string(),
    language: z.string(),
    label: z.string(),
    kind: captionKindSchema,
    default: z.boolean(),
    source: z
      .enum(['upload', 'extracted', 'asr'])
      .describe("extracted: from a text subtitle stream of the media's source; asr: by speech recognition"),
    status: captionStatusSchema,
    engine: z
      .string()
      .nullable()
      .describe('For asr tracks: the engine that made it (sphinx, whisper, openai)'),
    model: z.string().nullable().describe('For asr tracks: the model the engine used'),
    cueCount: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
    url: z
      .string()
      .describe('The normalised WebVTT file, for API keys (players get it through the playlists)'),
  })
  .meta({ id: 'CaptionTrack' });

export const captionParams = z.object({ id: z.string().max(64), trackId: z.string().max(64) });
export const mediaCaptionsParams = z.object({ id: z.string().max(64) });

export const searchQuery = z.object({
  q: z.string().trim().min(1).max(200).describe('Words said in the media (each matched as a word prefix)'),
  limit: z.coerce.number().int().min(1).max(50).default(20).describe('Most media in the answer'),
});

export const searchHitSchema = z.object({
  trackId: z.string(),
  language: z.string(),
  startSeconds: z.number().describe('Seek here to hear it'),
  endSeconds: z.number(),
  text: z.string().describe('The cue without markup'),
});

export const searchResponseSchema = z
  .object({
    results: z.array(
      z.object({
        media: mediaSchema,
        hits: z.array(searchHitSchema).describe('Matching cues of this media, in time order'),
      }),
    ),
  })
  .meta({ id: 'CaptionSearch' });

export type CaptionTrackJson = z.infer<typeof captionTrackSchema>;
export type TrackFields = z.infer<typeof trackFieldsSchema>;
export type TrackChanges = z.infer<typeof trackChangesSchema>;
export type CaptionFormatName = z.infer<typeof captionFormatSchema>;
