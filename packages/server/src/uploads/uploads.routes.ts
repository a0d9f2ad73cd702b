import type { IncomingMessage } from 'node:http';
import type { Server } from '@tus/server';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { authErrors } from '../http/common-schemas.ts';
import { ApiError, problemSchema, toProblem } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { newId } from '../lib/ids.ts';
import { parseUploadLength, parseUploadMetadata } from './upload-metadata.ts';
import { createTusServer } from './tus-server.ts';
import type { UploadPlan, UploadsService } from './uploads.service.ts';
import type { DataStore } from '@tus/utils';

/** What Kino decided about a request before tus handles it, found again from tus's hooks. */
interface UploadRequestContext {
  tenantId: string;
  requestId: string;
  plan?: UploadPlan;
}

/** The Node request behind tus's web Request (tus runs on srvx, which keeps it there). */
function nodeRequestOf(req: Request): IncomingMessage | undefined {
  return (req as Request & { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
}

/** tus hooks abort a request by throwing an object with status_code and body; Kino's body is problem+json. */
class TusHookError extends Error {
  constructor(
    readonly status_code: number,
    readonly body: string,
  ) {
    super(body);
  }
}

function tusError(error: ApiError, requestId: string) {
  return new TusHookError(error.status, JSON.stringify(toProblem(error.code, error.message, requestId)));
}

/**
 * tus 1.0.0 at /v1/uploads (creation, creation-with-upload, termination, expiration) on
 * @tus/server. Kino checks the key, the size limit and the metadata first, and answers those
 * refusals as problem+json; tus then stores the bytes on the configured storage.
 */
export function uploadsRoutes(deps: {
  uploads: UploadsService;
  datastore: DataStore;
  publicUrl?: string | undefined;
  logger: FastifyBaseLogger;
}) {
  const log = deps.logger;
  const contexts = new WeakMap<IncomingMessage, UploadRequestContext>();
  const contextOf = (req: Request): UploadRequestContext => {
    const node = nodeRequestOf(req);
    const ctx = node && contexts.get(node);
    if (!ctx) throw new TusHookError(500, 'upload request without context\n');
    return ctx;
  };

  const tus: Server = createTusServer(deps.datastore, {
    relativeLocation: deps.publicUrl === undefined,
    ...(deps.publicUrl !== undefined && {
      generateUrl: (_req, { path, id }) => `${deps.publicUrl}${path}/${id}`,
    }),
    namingFunction: () => newId('upl'),
    maxSize: async (req) => deps.uploads.maxUploadBytes(contextOf(req).tenantId),
    onIncomingRequest: async (req, uploadId) => {
      const ctx = contextOf(req);
      if (req.method === 'POST') return;
      try {
        await deps.uploads.authorize(ctx.tenantId, uploadId);
      } catch (err) {
        if (err instanceof ApiError) throw tusError(err, ctx.requestId);
        throw err;
      }
    },
    onUploadCreate: async (req, upload) => {
      const ctx = contextOf(req);
      if (!ctx.plan) throw new TusHookError(500, 'upload created without a plan\n');
      await deps.uploads.create(ctx.plan, upload.id);
      return {};
    },
    onResponseError: async (req, err) => {
      const status = (err as { status_code?: number }).status_code ?? 500;
      if (status >= 500) log.error({ err, requestId: contextOf(req).requestId }, 'upload request failed');
      return undefined;
    },
    onUploadFinish: async (req, upload) => {
      await deps.uploads.finish(upload.id);
      const ctx = contextOf(req);
      return ctx.plan ? { headers: { 'Kino-Media-Id': ctx.plan.mediaId } } : {};
    },
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx: UploadRequestContext = { tenantId: tenantOf(request), requestId: request.id };
    if (request.method === 'POST') {
      // Refusals before any byte is stored: a precise problem+json rather than tus's plain text.
      const size = parseUploadLength(request.headers['upload-length'] as string | undefined);
      const metadata = parseUploadMetadata(request.headers['upload-metadata'] as string | undefined);
      ctx.plan = await deps.uploads.plan(ctx.tenantId, size, metadata);
      reply.raw.setHeader('Kino-Media-Id', ctx.plan.mediaId);
    }
    contexts.set(request.raw, ctx);
    reply.raw.setHeader('X-Request-Id', request.id);
    reply.hijack();
    await tus.handle(request.raw, reply.raw);
  };

  return async (app: App) => {
    // tus bodies are streamed into storage by tus itself, never parsed or buffered by Fastify.
    app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => {
      done(null);
    });
    const schema = {
      tags: ['uploads'],
      summary:
        'tus 1.0.0 resumable upload (see tus.io); Upload-Metadata keys: filename, title, visibility, mediaId',
      response: { ...authErrors, 404: problemSchema, 409: problemSchema, 413: problemSchema },
    };
    app.route({ method: 'POST', url: '/v1/uploads', config: { access: 'upload' }, schema, handler: handle });
    app.route({
      method: ['HEAD', 'PATCH', 'DELETE'],
      url: '/v1/uploads/:uploadId',
      config: { access: 'upload' },
      schema: { ...schema, params: z.object({ uploadId: z.string().max(64) }) },
      handler: handle,
    });
    // tus discovery and CORS preflight carry no key.
    app.route({
      method: 'OPTIONS',
      url: '/v1/uploads',
      config: { access: 'public' },
      schema: { hide: true },
      handler: async (request, reply) => {
        reply.hijack();
        await tus.handle(request.raw, reply.raw);
      },
    });
    app.route({
      method: 'OPTIONS',
      url: '/v1/uploads/:uploadId',
      config: { access: 'public' },
      schema: { hide: true },
      handler: async (request, reply) => {
        reply.hijack();
        await tus.handle(request.raw, reply.raw);
      },
    });
  };
}
