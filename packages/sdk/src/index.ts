/**
 * Kino's TypeScript SDK.
 *
 * @example
 * import { Kino } from '@kino/sdk';
 * const kino = new Kino({ baseUrl: 'http://localhost:8080', apiKey: process.env.KINO_API_KEY });
 * for await (const media of kino.media.all({ status: 'ready' })) console.log(media.id, media.title);
 */
export { Kino } from './client.ts';
export type {
  CreateMediaInput,
  CreateUploadUrlInput,
  CreateWebhookInput,
  KinoOptions,
  ListMediaQuery,
  Media,
  PlaybackToken,
  PlaybackTokenInput,
  UpdateMediaInput,
  UploadOptions,
  UploadUrl,
  Webhook,
  WebhookWithSecret,
} from './client.ts';
export {
  KinoApiError,
  KinoMediaError,
  KinoTimeoutError,
  KinoUploadError,
  WebhookVerificationError,
  type Problem,
} from './errors.ts';
export { paginate, type CursorPage } from './pagination.ts';
export { tusUpload, type TusUploadOptions, type UploadLocation, type UploadSource } from './upload.ts';
export { hasReached, waitForMedia, type MediaMilestone, type MediaState, type WaitOptions } from './wait.ts';
export { verifyWebhook, type VerifyWebhookInput, type WebhookEvent } from './webhooks.ts';
export type { components, paths } from './openapi.gen.ts';
