import type { IncomingMessage } from 'node:http';
import type { Server } from '@tus/server';
import type { DataStore, Locker } from '@tus/utils';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { NodeRequest, sendNodeResponse } from 'srvx/node';
import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { authErrors } from '../http/common-schemas.ts';
import { problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import type { RecordingPartRow, UploadRow } from '../db/schema.ts';
import type { PartPlan, RecordingsService } from '../recordings/recordings.service.ts';
import { newId } from '../lib/ids.ts';
import { creationLocker } from './database-upload-locker.ts';
import { parseUploadLength, parseUploadMetadata } from './upload-metadata.ts';
import { isRecordingPart, planRecordingPart, settleRecordingPart } from './recording-part-uploads.ts';
import { TUS_EXPOSED_HEADERS, createTusServer } from './tus-server.ts';
import { asProblemResponse, sendNotSupported } from './tus-problem.ts';
import { assertPlainTarget, uploadIdParam } from './upload-target.ts';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../media/upload-limit.ts';
import type { UploadPlan, UploadsService } from './uploads.service.ts';
import type { UploadUrlsService } from './upload-urls.service.ts';
import type { UploadUrlRow } from './upload-urls.repository.ts';

/** The tus endpoint for key holders; an upload is reached below it. */
const UPLOADS_PATH = '/v1/uploads';

/** Where a one-time upload URL's tus endpoint lives; its upload is reached below it. */
export const DIRECT_UPLOADS_PATH = '/v1/direct-uploads';

/** What Kino decided about a request before tus handles it, found again from tus's hooks. */
interface UploadRequestContext {
  tenantId: string;
  requestId: string;
  plan?: UploadPlan;
  /** The upload the request reaches: found before tus runs, or recorded by this creation. */
  row?: UploadRow;
  /** The id the created upload gets (a one-time URL claims it before tus creates the upload). */
  uploadId?: string;
  /** A one-time URL's endpoint: the created upload's location goes below it. */
  directPath?: string;
  /** A recording part's creation, checked (recordings.service.ts planPart). */
  partPlan?: PartPlan;
  /** The recording part the request reaches: found before tus runs, or recorded by this creation. */
  part?: RecordingPartRow;
}

/** The Node request behind tus's web Request (tus runs on srvx, which keeps it there). */
function nodeRequestOf(req: Request): IncomingMessage | undefined {
  return (req as Request & { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
}

/**
 * Concatenation (tus-js-client's parallelUploads) is not offered: refused before any plan is made
 * or one-time URL claimed.
 */
const asksConcatenation = (request: FastifyRequest) =>
  request.method === 'POST' && request.headers['upload-concat'] !== undefined;
const NO_CONCATENATION = 'the tus concatenation extension is not supported: disable parallel uploads';

/** tus hooks abort a request by throwing an object with status_code and body. */
class TusHookError extends Error {
  constructor(
    readonly status_code: number,
    readonly body: string,
  ) {
    super(body);
  }
}

/**
 * tus 1.0.0 at /v1/uploads (creation, creation-with-upload, termination, expiration) on
 * @tus/server. Kino checks the key, the tenant, the size limit and the metadata first and
 * answers those refusals itself; tus then stores the bytes on the configured storage, and its
 * own refusals are rewritten as problem+json.
 */
export function uploadsRoutes(deps: {
  uploads: UploadsService;
  datastore: DataStore;
  /** Who may write an upload now; across processes this must be shared (database-upload-locker.ts). */
  locker?: Locker;
  /** One-time upload URLs (upload-urls.service.ts); none: their routes are not served. */
  uploadUrls?: UploadUrlsService;
  /** Recording parts (Upload-Metadata recordingId, track, part); none: such creations are refused. */
  recordings?: RecordingsService;
  publicUrl?: string | undefined;
  logger: FastifyBaseLogger;
}) {
  const log = deps.logger;
  const locker = deps.locker;
  const contexts = new WeakMap<IncomingMessage, UploadRequestContext>();
  const contextOf = (req: Request): UploadRequestContext => {
    const node = nodeRequestOf(req);
    const ctx = node && contexts.get(node);
    if (!ctx) throw new TusHookError(500, 'upload request without context\n');
    return ctx;
  };
  /** Requests streaming bytes right now, cut on shutdown so it does not wait for them. */
  const receiving = new Set<IncomingMessage>();

  const tus: Server = createTusServer(deps.datastore, {
    // The upload is the one Kino authorised, never one tus reads again from the URL.
    getFileIdFromRequest: (req) => {
      const node = nodeRequestOf(req);
      const ctx = node && contexts.get(node);
      return ctx?.row?.id ?? ctx?.part?.upload_id;
    },
    relativeLocation: deps.publicUrl === undefined,
    generateUrl: (req, { path, id }) => {
      const node = nodeRequestOf(req);
      const base = (node && contexts.get(node)?.directPath) ?? path;
      return `${deps.publicUrl ?? ''}${base}/${id}`;
    },
    namingFunction: (req) => {
      const node = nodeRequestOf(req);
      return (node && contexts.get(node)?.uploadId) ?? newId('upl');
    },
    // A creation takes no lock row: nobody can reach the upload before its URL is answered.
    ...(locker && { locker: (req: Request) => (req.method === 'POST' ? creationLocker : locker) }),
    // What Kino already knows, without asking the database again: a creation's limit was read by
    // its plan, and an existing upload's length was checked against it when it was created.
    // Discovery (OPTIONS) carries no key, so it reports the server-wide limit.
    maxSize: async (req) => {
      const node = nodeRequestOf(req);
      const ctx = node && contexts.get(node);
      if (!ctx) return DEFAULT_MAX_UPLOAD_BYTES;
      return ctx.row?.size ?? ctx.plan?.maxBytes ?? deps.uploads.maxUploadBytes(ctx.tenantId);
    },
    onUploadCreate: async (req, upload) => {
      const ctx = contextOf(req);
      if (ctx.partPlan && deps.recordings) {
        ctx.part = await deps.recordings.createPart(ctx.partPlan, upload.id);
        return {};
      }
      if (!ctx.plan) throw new TusHookError(500, 'upload created without a plan\n');
      ctx.row = await deps.uploads.create(ctx.plan, upload.id);
      return {};
    },
    onResponseError: async (req, err) => {
      const status = (err as { status_code?: number }).status_code ?? 500;
      // 501 is tus refusing an extension Kino does not offer, not a failure.
      if (status >= 500 && status !== 501) {
        const node = nodeRequestOf(req);
        log.error({ err, requestId: node && contexts.get(node)?.requestId }, 'upload request failed');
      }
      return undefined;
    },
    onUploadFinish: async (req, upload) => {
      const ctx = contextOf(req);
      if (ctx.part && deps.recordings) {
        await deps.recordings.partFinished(upload.id, upload.size ?? upload.offset);
        return { headers: { 'Kino-Media-Id': ctx.partPlan?.mediaId ?? '' } };
      }
      await deps.uploads.finish(upload.id, ctx.row);
      return ctx.plan ? { headers: { 'Kino-Media-Id': ctx.plan.mediaId } } : {};
    },
  });

  /** Bookkeeping once tus has done its part, before the client hears; a failure is logged, the answer stands. */
  const settle = async (request: FastifyRequest, row: UploadRow, response: Response) => {
    try {
      // A terminated upload leaves nothing behind; its media keeps waiting for a source.
      if (request.method === 'DELETE' && response.status === 204) await deps.uploads.forget(row.id);
      // Every byte is stored but the finish was never recorded (the process stopped in between):
      // a client resuming sees the full offset and sends nothing more, so finish it now.
      if (
        request.method === 'HEAD' &&
        row.completed_at === null &&
        response.status === 200 &&
        response.headers.get('upload-offset') === String(row.size)
      ) {
        await deps.uploads.finish(row.id, row);
      }
    } catch (err) {
      log.error({ err, requestId: request.id, uploadId: row.id }, 'upload bookkeeping failed');
    }
  };

  /** Hands the request to tus and sends its answer, refusals as problem+json. */
  const runTus = async (
    request: FastifyRequest,
    reply: FastifyReply,
    row?: UploadRow,
    afterwards?: (response: Response) => Promise<void>,
  ): Promise<void> => {
    reply.hijack();
    try {
      const response = await tus.handleWeb(new NodeRequest({ req: request.raw, res: reply.raw }));
      const final = await asProblemResponse(response, request.id);
      if (row) await settle(request, row, final);
      const part = contexts.get(request.raw)?.part;
      if (part && deps.recordings) await settleRecordingPart(deps.recordings, request, part, final, log);
      await afterwards?.(final);
      await sendNodeResponse(reply.raw, final);
    } catch (err) {
      // Fastify no longer answers a hijacked request: never leave the client waiting.
      log.error({ err, requestId: request.id }, 'upload request failed');
      if (!reply.raw.headersSent) {
        await sendNodeResponse(
          reply.raw,
          await asProblemResponse(new Response(null, { status: 500 }), request.id),
        );
      } else {
        reply.raw.destroy();
      }
    }
  };

  const handle = async (request: FastifyRequest<{ Params: { uploadId?: string } }>, reply: FastifyReply) => {
    const uploadId = request.params.uploadId;
    assertPlainTarget(request.url, uploadId === undefined ? UPLOADS_PATH : `${UPLOADS_PATH}/${uploadId}`);
    if (asksConcatenation(request)) return sendNotSupported(reply, NO_CONCATENATION);
    const ctx: UploadRequestContext = { tenantId: tenantOf(request), requestId: request.id };
    // Another tenant's upload or recording part is refused here, as a 404 that says nothing about it.
    if (uploadId !== undefined) {
      const writes = request.method === 'PATCH';
      ctx.part = await deps.recordings?.authorizePart(ctx.tenantId, uploadId, writes);
      if (!ctx.part) ctx.row = await deps.uploads.authorize(ctx.tenantId, uploadId);
    }
    if (request.method === 'POST' && isRecordingPart(request)) {
      ctx.partPlan = await planRecordingPart(request, ctx.tenantId, deps);
      reply.raw.setHeader('Kino-Media-Id', ctx.partPlan.mediaId);
    } else if (request.method === 'POST') {
      // Refusals before any byte is stored: a precise problem+json rather than tus's plain text.
      const size = parseUploadLength(request.headers['upload-length'] as string | undefined);
      const metadata = parseUploadMetadata(request.headers['upload-metadata'] as string | undefined);
      ctx.plan = await deps.uploads.plan(ctx.tenantId, size, metadata);
      reply.raw.setHeader('Kino-Media-Id', ctx.plan.mediaId);
    }
    await serve(request, reply, ctx, ctx.row);
  };

  const serve = async (
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: UploadRequestContext,
    row?: UploadRow,
    afterwards?: (response: Response) => Promise<void>,
  ) => {
    contexts.set(request.raw, ctx);
    reply.raw.setHeader('X-Request-Id', request.id);
    const streams = request.method === 'POST' || request.method === 'PATCH';
    if (streams) receiving.add(request.raw);
    try {
      await runTus(request, reply, row, afterwards);
    } finally {
      if (streams) receiving.delete(request.raw);
    }
  };

  /**
   * A one-time upload URL used as a tus endpoint, with no key: the token names the tenant and
   * the waiting media. Its POST creates the one upload it allows; HEAD, PATCH and DELETE reach
   * that upload below the same URL.
   */
  const handleDirect =
    (urls: UploadUrlsService) =>
    async (
      request: FastifyRequest<{ Params: { token: string; uploadId?: string } }>,
      reply: FastifyReply,
    ) => {
      const { token, uploadId } = request.params;
      const directPath = `${DIRECT_UPLOADS_PATH}/${token}`;
      assertPlainTarget(request.url, uploadId === undefined ? directPath : `${directPath}/${uploadId}`);
      if (asksConcatenation(request)) return sendNotSupported(reply, NO_CONCATENATION);
      const url: UploadUrlRow = await urls.resolve(token, request.headers.origin);
      const ctx: UploadRequestContext = {
        tenantId: url.tenant_id,
        requestId: request.id,
        directPath,
      };
      if (uploadId !== undefined) {
        urls.assertOwnUpload(url, uploadId);
        ctx.row = await deps.uploads.authorize(url.tenant_id, uploadId);
      }
      let afterwards: ((response: Response) => Promise<void>) | undefined;
      if (request.method === 'POST') {
        const size = parseUploadLength(request.headers['upload-length'] as string | undefined);
        const metadata = parseUploadMetadata(request.headers['upload-metadata'] as string | undefined);
        urls.checkCreation(url, size);
        ctx.plan = await deps.uploads.plan(url.tenant_id, size, { ...metadata, mediaId: url.media_id });
        const created = newId('upl');
        await urls.claim(url, created);
        ctx.uploadId = created;
        // tus refused the creation (or failed): the URL may still create its upload.
        afterwards = async (response) => {
          if (response.status >= 400) await urls.unclaim(url, created);
        };
        reply.raw.setHeader('Kino-Media-Id', ctx.plan.mediaId);
      }
      await serve(request, reply, ctx, ctx.row, afterwards);
    };

  return async (app: App) => {
    // tus bodies are streamed into storage by tus itself, never parsed or buffered by Fastify.
    app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => {
      done(null);
    });
    // Kino's own refusals (401, 403, 413, ...) reach browser uploaders too; tus's answers carry these already.
    app.addHook('onSend', async (_request, reply) => {
      reply.header('Access-Control-Allow-Origin', '*');
      reply.header('Access-Control-Expose-Headers', TUS_EXPOSED_HEADERS.join(', '));
    });
    // A rolling restart should not wait for hour-long uploads: cut them, their clients resume.
    app.addHook('preClose', async () => {
      for (const raw of receiving) raw.destroy();
    });

    const schema = {
      tags: ['uploads'],
      summary:
        'tus 1.0.0 resumable upload (see tus.io); Upload-Metadata keys: filename, title, visibility, mediaId; ' +
        'a recording part names recordingId, track and part instead, and may defer its length (Upload-Defer-Length: 1)',
      response: {
        ...authErrors,
        404: problemSchema,
        409: problemSchema,
        413: problemSchema,
        501: problemSchema,
      },
    };
    app.route({
      method: 'POST',
      url: UPLOADS_PATH,
      config: { access: 'upload', admission: 'uploads' },
      schema,
      handler: handle,
    });
    app.route({
      method: ['HEAD', 'PATCH', 'DELETE'],
      url: `${UPLOADS_PATH}/:uploadId`,
      config: { access: 'upload', admission: 'uploads' },
      schema: { ...schema, params: z.object({ uploadId: uploadIdParam }) },
      handler: handle,
    });
    const discovery = [UPLOADS_PATH, `${UPLOADS_PATH}/:uploadId`];
    const urls = deps.uploadUrls;
    if (urls) {
      const direct = {
        tags: ['uploads'],
        summary:
          'tus 1.0.0 endpoint of a one-time upload URL (POST /v1/upload-urls): no key, the URL is the credential',
        description:
          'Creates at most one upload (a second creation: 409 upload_url_used), before the URL expires ' +
          '(410 upload_url_expired), of at most its maxSizeBytes (413 too_large), from its allowedOrigin ' +
          'when the request has an Origin (403 origin_not_allowed). The upload then lives at ' +
          '{url}/{uploadId} (the Location answered), reachable with the same URL until it completes or expires.',
        response: {
          400: problemSchema,
          403: problemSchema,
          404: problemSchema,
          409: problemSchema,
          410: problemSchema,
          413: problemSchema,
          501: problemSchema,
        },
      };
      const token = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/);
      app.route({
        method: 'POST',
        url: `${DIRECT_UPLOADS_PATH}/:token`,
        config: { access: 'public', admission: 'uploads' },
        schema: { ...direct, params: z.object({ token }) },
        handler: handleDirect(urls),
      });
      app.route({
        method: ['HEAD', 'PATCH', 'DELETE'],
        url: `${DIRECT_UPLOADS_PATH}/:token/:uploadId`,
        config: { access: 'public', admission: 'uploads' },
        schema: { ...direct, params: z.object({ token, uploadId: uploadIdParam }) },
        handler: handleDirect(urls),
      });
      discovery.push(`${DIRECT_UPLOADS_PATH}/:token`, `${DIRECT_UPLOADS_PATH}/:token/:uploadId`);
    }
    // tus discovery and CORS preflight carry no key.
    for (const url of discovery) {
      app.route({
        method: 'OPTIONS',
        url,
        config: { access: 'public' },
        schema: { hide: true },
        handler: async (request, reply) => {
          await runTus(request, reply);
        },
      });
    }
  };
}
