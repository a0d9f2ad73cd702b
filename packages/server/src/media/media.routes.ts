import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { baseUrlOf } from '../http/base-url.ts';
import { tenantOf } from '../http/access.ts';
import { authErrors, withNotFound } from '../http/common-schemas.ts';
import { problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { newId } from '../lib/ids.ts';
import type { Storage } from '../storage/storage.ts';
import { FORM_MAX_BYTES, receiveMediaForm } from './media-form.ts';
import { givenTitle, titleFromFilename } from './media-title.ts';
import { toMediaJson, type MediaJsonRow } from './media.json.ts';
import {
  createMediaBody,
  listMediaQuery,
  mediaIdParams,
  mediaSchema,
  updateMediaBody,
} from './media.schemas.ts';
import type { MediaService } from './media.service.ts';

const CREATE_DESCRIPTION = `Three ways to create a media:

- JSON without \`input\`: the media is \`waiting\` for a tus upload (\`Upload-Metadata: mediaId\`).
- JSON with \`input: {url}\`: Kino imports the file from that http(s) URL (a presigned S3 URL works);
  the media is \`processing\` meanwhile and ends \`errored\` with \`import_failed\` when the source
  refuses, is not media, or is larger than the tenant's limit.
- \`multipart/form-data\` (for example \`curl -F file=@talk.mp4 -F title=Talk\`): one file part
  (up to ${FORM_MAX_BYTES / 1_000_000} MB and the tenant's limit) plus optional text fields \`title\`,
  \`description\`, \`visibility\` and \`tags\` (repeated or comma-separated). The media goes
  straight to \`processing\`. The JSON schema below does not apply to this form; larger files go
  through tus at /v1/uploads.`;

export function mediaRoutes(media: MediaService, opts: { publicUrl?: string | undefined; storage: Storage }) {
  const json = (request: FastifyRequest, row: MediaJsonRow) =>
    toMediaJson(row, baseUrlOf(request, opts.publicUrl));

  /** A form upload: the file is stored first, then the media is created and goes to processing. */
  const createFromForm = async (request: FastifyRequest, tenantId: string) => {
    const maxBytes = Math.min(FORM_MAX_BYTES, await media.maxUploadBytes(tenantId));
    const form = await receiveMediaForm(request, { storage: opts.storage, key: newId('upl'), maxBytes });
    const title = givenTitle(form.fields.title) ?? titleFromFilename(form.original.filename);
    const fields = { ...form.fields, title };
    try {
      return await media.createWithOriginal(tenantId, fields, form.original);
    } catch (err) {
      await opts.storage.delete(form.original.key);
      throw err;
    }
  };

  return async (app: App) => {
    // Only form uploads use it, and they stream their file part themselves (see receiveMediaForm).
    await app.register(multipart, { throwFileSizeLimit: false });

    app.post(
      '/v1/media',
      {
        config: { access: 'media:create', admission: 'uploads' },
        // A form carries no JSON body: the JSON schema's verdict is applied below, to JSON only.
        attachValidation: true,
        schema: {
          tags: ['media'],
          summary: 'Create a media: waiting for an upload, imported from a URL, or from a form upload',
          description: CREATE_DESCRIPTION,
          body: createMediaBody,
          response: { 201: mediaSchema, ...authErrors, 413: problemSchema, 415: problemSchema },
        },
      },
      async (request, reply) => {
        const tenantId = tenantOf(request);
        if (request.isMultipart()) {
          return reply.code(201).send(json(request, await createFromForm(request, tenantId)));
        }
        if (request.validationError) throw request.validationError;
        const row = await media.create(tenantId, request.body);
        return reply.code(201).send(json(request, row));
      },
    );

    app.get(
      '/v1/media',
      {
        config: { access: 'media:read' },
        schema: {
          tags: ['media'],
          summary: 'List media, newest first, with a cursor that is stable while media are added',
          querystring: listMediaQuery,
          response: {
            200: z.object({ items: z.array(mediaSchema), nextCursor: z.string().nullable() }),
            ...authErrors,
          },
        },
      },
      async (request) => {
        const page = await media.list(tenantOf(request), request.query);
        return { items: page.items.map((row) => json(request, row)), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/v1/media/:id',
      {
        config: { access: 'media:read' },
        schema: {
          tags: ['media'],
          summary: 'Get a media',
          params: mediaIdParams,
          response: { 200: mediaSchema, ...withNotFound },
        },
      },
      async (request) => json(request, await media.view(tenantOf(request), request.params.id)),
    );

    app.patch(
      '/v1/media/:id',
      {
        config: { access: 'media:write' },
        schema: {
          tags: ['media'],
          summary: 'Change title, description, tags or visibility',
          params: mediaIdParams,
          body: updateMediaBody,
          response: { 200: mediaSchema, ...withNotFound },
        },
      },
      async (request) =>
        json(request, await media.update(tenantOf(request), request.params.id, request.body)),
    );

    app.post(
      '/v1/media/:id/reprocess',
      {
        config: { access: 'media:write' },
        schema: {
          tags: ['media'],
          summary: 'Process the original again; the current version plays until the new one is published',
          description:
            'When the original is in cold storage (`original.tier` cold or cooling), it is restored first: the answer shows `original.tier` restoring, and processing starts by itself once the original is back (at once on disk, minutes to days from an S3 archive class). Asking again meanwhile joins the same restore.',
          params: mediaIdParams,
          response: { 202: mediaSchema, ...withNotFound, 409: problemSchema },
        },
      },
      async (request, reply) =>
        reply.code(202).send(json(request, await media.reprocess(tenantOf(request), request.params.id))),
    );

    app.delete(
      '/v1/media/:id',
      {
        config: { access: 'media:write' },
        schema: {
          tags: ['media'],
          summary: 'Delete a media and its stored files',
          params: mediaIdParams,
          response: { 204: z.null().describe('Deleted'), ...withNotFound },
        },
      },
      async (request, reply) => {
        await media.delete(tenantOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
