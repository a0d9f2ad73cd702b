import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { baseUrlOf } from '../http/base-url.ts';
import { tenantOf } from '../http/access.ts';
import { withNotFound } from '../http/common-schemas.ts';
import { ApiError, problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { parseFormFields, receiveCaptionForm } from './caption-form.ts';
import { toTrackJson } from './captions.json.ts';
import {
  captionFormatSchema,
  captionParams,
  captionTrackSchema,
  createCaptionBody,
  MAX_CAPTION_BYTES,
  mediaCaptionsParams,
  replaceCaptionBody,
  searchQuery,
  searchResponseSchema,
  trackChangesSchema,
  trackFieldsSchema,
} from './captions.schemas.ts';
import type { CaptionFile, CaptionsService } from './captions.service.ts';
import type { CaptionSearchService } from './caption-search.service.ts';
import type { CaptionTrackRow } from '../db/schema.ts';

const UPLOAD_DESCRIPTION = `A WebVTT, SubRip (.srt) or TTML/DFXP file, as \`multipart/form-data\` (one file part,
for example \`curl -F file=@talk.de.srt -F language=de\`, plus the text fields below) or as JSON with the
file's text in \`content\`. At most ${MAX_CAPTION_BYTES / 1_000_000} MB. The encoding is detected (UTF-8,
UTF-16 with a byte order mark, else Windows-1252); the file is checked (times, structure) and stored as
WebVTT with its markup reduced to WebVTT's own tags. A file Kino cannot read gets 400
\`invalid_captions\` naming the line. Players see the track in the media's HLS master playlist and
DASH manifest at once; a \`media.captions.ready\` webhook event announces it.`;

const formFields = trackFieldsSchema.extend({ format: captionFormatSchema.optional() });
const formChanges = trackChangesSchema.extend({ format: captionFormatSchema.optional() });

/** JSON carries the file as a string; escaping may make it up to twice as long as the file. */
const JSON_BODY_LIMIT = 2 * MAX_CAPTION_BYTES + 64 * 1024;

/**
 * Caption tracks of a media (`/v1/media/{id}/captions`) and search inside media (`/v1/search`).
 *
 * @example await app.register(captionsRoutes({ captions, search }))
 */
export function captionsRoutes(deps: {
  captions: CaptionsService;
  search: CaptionSearchService;
  publicUrl?: string | undefined;
}) {
  const { captions } = deps;
  const json = (request: FastifyRequest, row: CaptionTrackRow) =>
    toTrackJson(row, baseUrlOf(request, deps.publicUrl));

  /** The file and fields of a create or replace request, from a form or from JSON. */
  const fileOf = (content: string | undefined, format: CaptionFile['format']): CaptionFile | undefined =>
    content === undefined ? undefined : { bytes: Buffer.from(content, 'utf8'), format };

  return async (app: App) => {
    await app.register(multipart);

    app.post(
      '/v1/media/:id/captions',
      {
        config: { access: 'media:write' },
        attachValidation: true,
        bodyLimit: JSON_BODY_LIMIT,
        schema: {
          tags: ['captions'],
          summary: 'Add a caption track',
          description: UPLOAD_DESCRIPTION,
          params: mediaCaptionsParams,
          body: createCaptionBody,
          response: { 201: captionTrackSchema, ...withNotFound, 413: problemSchema, 415: problemSchema },
        },
      },
      async (request, reply) => {
        const tenantId = tenantOf(request);
        const { id } = mediaCaptionsParams.parse(request.params);
        if (request.isMultipart()) {
          const form = await receiveCaptionForm(request);
          const { format, ...fields } = parseFormFields(formFields, form.fields);
          if (!form.file)
            throw new ApiError(
              'invalid_request',
              "the form has no file: send it as a file field named 'file'",
            );
          const row = await captions.add(tenantId, id, fields, { bytes: form.file, format });
          return reply.code(201).send(json(request, row));
        }
        if (request.validationError) throw request.validationError;
        const { content, format, ...fields } = request.body;
        const file = { bytes: Buffer.from(content, 'utf8'), format };
        return reply.code(201).send(json(request, await captions.add(tenantId, id, fields, file)));
      },
    );

    app.get(
      '/v1/media/:id/captions',
      {
        config: { access: 'media:read' },
        schema: {
          tags: ['captions'],
          summary: "List a media's caption tracks",
          params: mediaCaptionsParams,
          response: { 200: z.object({ items: z.array(captionTrackSchema) }), ...withNotFound },
        },
      },
      async (request) => {
        const rows = await captions.list(tenantOf(request), request.params.id);
        return { items: rows.map((row) => json(request, row)) };
      },
    );

    app.get(
      '/v1/media/:id/captions/:trackId',
      {
        config: { access: 'media:read' },
        schema: {
          tags: ['captions'],
          summary: 'Get a caption track',
          params: captionParams,
          response: { 200: captionTrackSchema, ...withNotFound },
        },
      },
      async (request) =>
        json(request, await captions.get(tenantOf(request), request.params.id, request.params.trackId)),
    );

    app.get(
      '/v1/media/:id/captions/:trackId.vtt',
      {
        config: { access: 'media:read' },
        schema: {
          tags: ['captions'],
          summary: "Download a caption track's normalised WebVTT",
          params: captionParams,
          produces: ['text/vtt'],
          response: { 200: z.string().describe('WebVTT'), ...withNotFound },
        },
      },
      async (request, reply) => {
        const vtt = await captions.content(tenantOf(request), request.params.id, request.params.trackId);
        return reply.type('text/vtt; charset=utf-8').send(vtt);
      },
    );

    app.put(
      '/v1/media/:id/captions/:trackId',
      {
        config: { access: 'media:write' },
        attachValidation: true,
        bodyLimit: JSON_BODY_LIMIT,
        schema: {
          tags: ['captions'],
          summary: "Replace a caption track's content or change its fields",
          description:
            'The same form or JSON as adding a track; every field is optional. New content becomes a new revision (new playback URLs for its file); players that loaded the old one keep it until they reload the playlist.',
          params: captionParams,
          body: replaceCaptionBody,
          response: { 200: captionTrackSchema, ...withNotFound, 409: problemSchema, 413: problemSchema },
        },
      },
      async (request) => {
        const tenantId = tenantOf(request);
        const { id, trackId } = captionParams.parse(request.params);
        if (request.isMultipart()) {
          const form = await receiveCaptionForm(request);
          const { format, ...changes } = parseFormFields(formChanges, form.fields);
          const file = form.file ? { bytes: form.file, format } : undefined;
          return json(request, await captions.replace(tenantId, id, trackId, changes, file));
        }
        if (request.validationError) throw request.validationError;
        const { content, format, ...changes } = request.body;
        return json(request, await captions.replace(tenantId, id, trackId, changes, fileOf(content, format)));
      },
    );

    app.delete(
      '/v1/media/:id/captions/:trackId',
      {
        config: { access: 'media:write' },
        schema: {
          tags: ['captions'],
          summary: 'Delete a caption track',
          params: captionParams,
          response: { 204: z.null().describe('Deleted'), ...withNotFound },
        },
      },
      async (request, reply) => {
        await captions.delete(tenantOf(request), request.params.id, request.params.trackId);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/search',
      {
        config: { access: 'media:read' },
        schema: {
          tags: ['captions'],
          summary: 'Find media by what is said in them',
          description:
            "Searches the cues of every caption track of the tenant's media: each word of `q` must occur in a cue (as a word or its start; case and Unicode width do not matter, accents do). Media come best match first, each with its matching cues in time order; `startSeconds` is where to seek.",
          querystring: searchQuery,
          response: { 200: searchResponseSchema, ...withNotFound },
        },
      },
      async (request) =>
        deps.search.search(tenantOf(request), request.query, baseUrlOf(request, deps.publicUrl)),
    );
  };
}
