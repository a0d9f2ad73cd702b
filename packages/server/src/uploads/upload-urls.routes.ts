import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { authErrors, timestamp, toIso } from '../http/common-schemas.ts';
import type { App } from '../http/types.ts';
import { DIRECT_UPLOADS_PATH } from './uploads.routes.ts';
import {
  DEFAULT_UPLOAD_URL_SECONDS,
  MAX_UPLOAD_URL_SECONDS,
  type UploadUrlsService,
} from './upload-urls.service.ts';

const createUploadUrlBody = z.object({
  expiresInSeconds: z.number().int().min(1).max(MAX_UPLOAD_URL_SECONDS).default(DEFAULT_UPLOAD_URL_SECONDS),
  maxSizeBytes: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("at most the tenant's upload limit (the default)"),
  allowedOrigin: z
    .string()
    .max(300)
    .refine((value) => URL.canParse(value) && new URL(value).origin === value, {
      message: 'an origin: scheme, host and port only, like https://app.example.com',
    })
    .optional(),
  title: z.string().trim().max(500).optional(),
  visibility: z.enum(['public', 'private']).optional(),
});

const uploadUrlSchema = z
  .object({
    id: z.string(),
    url: z.string().describe('the tus endpoint to upload to, with no key (shown once)'),
    mediaId: z.string().describe('the waiting media the upload fills'),
    expiresAt: timestamp.describe('the upload must be created before this'),
    maxSizeBytes: z.number().int(),
    allowedOrigin: z.string().nullable(),
  })
  .meta({ id: 'UploadUrl' });

/**
 * `POST /v1/upload-urls`: a one-time URL a browser uploads to without holding a key (like Mux
 * direct uploads). The media is created now, waiting, so the app can keep its id.
 */
export function uploadUrlsRoutes(deps: { uploadUrls: UploadUrlsService; publicUrl?: string | undefined }) {
  return async (app: App) => {
    app.post(
      '/v1/upload-urls',
      {
        config: { access: 'upload' },
        schema: {
          tags: ['uploads'],
          summary: 'Create a one-time upload URL (a tus endpoint needing no key) and the media it fills',
          body: createUploadUrlBody,
          response: { 201: uploadUrlSchema, ...authErrors },
        },
      },
      async (request, reply) => {
        const { row, token } = await deps.uploadUrls.create(tenantOf(request), request.body);
        const origin = deps.publicUrl ?? `${request.protocol}://${request.host}`;
        return reply.code(201).send({
          id: row.id,
          url: `${origin}${DIRECT_UPLOADS_PATH}/${token}`,
          mediaId: row.media_id,
          expiresAt: toIso(row.expires_at),
          maxSizeBytes: row.max_size_bytes,
          allowedOrigin: row.allowed_origin,
        });
      },
    );
  };
}
