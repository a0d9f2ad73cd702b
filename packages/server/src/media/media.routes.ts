import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { MediaRow } from '../db/schema.ts';
import { baseUrlOf } from '../http/base-url.ts';
import { tenantOf } from '../http/access.ts';
import { authErrors, withNotFound } from '../http/common-schemas.ts';
import { problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { toMediaJson } from './media.json.ts';
import {
  createMediaBody,
  listMediaQuery,
  mediaIdParams,
  mediaSchema,
  updateMediaBody,
} from './media.schemas.ts';
import type { MediaService } from './media.service.ts';

export function mediaRoutes(media: MediaService, opts: { publicUrl?: string | undefined } = {}) {
  const json = (request: FastifyRequest, row: MediaRow) =>
    toMediaJson(row, baseUrlOf(request, opts.publicUrl));
  return async (app: App) => {
    app.post(
      '/v1/media',
      {
        config: { access: 'media:create' },
        schema: {
          tags: ['media'],
          summary: 'Create a media; it waits for an upload',
          body: createMediaBody,
          response: { 201: mediaSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        const row = await media.create(tenantOf(request), request.body);
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
      async (request) => json(request, await media.get(tenantOf(request), request.params.id)),
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
