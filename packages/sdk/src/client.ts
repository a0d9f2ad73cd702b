import createClient, { type Client } from 'openapi-fetch';
import { KinoApiError, problemOf } from './errors.ts';
import type { components, paths } from './openapi.gen.ts';
import { paginate, type CursorPage } from './pagination.ts';
import { tusUpload, type UploadLocation, type UploadSource, type TusUploadOptions } from './upload.ts';
import { waitForMedia, type MediaMilestone, type WaitOptions } from './wait.ts';

export type Media = components['schemas']['Media'];
export type Webhook = components['schemas']['Webhook'];
export type WebhookWithSecret = components['schemas']['WebhookWithSecret'];
export type UploadUrl = components['schemas']['UploadUrl'];
type JsonBody<P extends keyof paths, M extends 'post' | 'patch'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? NonNullable<B>
  : never;
export type CreateMediaInput = JsonBody<'/v1/media', 'post'>;
export type UpdateMediaInput = JsonBody<'/v1/media/{id}', 'patch'>;
export type ListMediaQuery = NonNullable<paths['/v1/media']['get']['parameters']['query']>;
export type PlaybackTokenInput = NonNullable<JsonBody<'/v1/media/{id}/playback-tokens', 'post'>>;
export type PlaybackToken =
  paths['/v1/media/{id}/playback-tokens']['post']['responses'][201]['content']['application/json'];
export type CreateWebhookInput = JsonBody<'/v1/webhooks', 'post'>;
export type CreateUploadUrlInput = JsonBody<'/v1/upload-urls', 'post'>;

export interface KinoOptions {
  /** Where Kino answers, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** A tenant API key (`full`, or `upload`/`read` for what those scopes allow). Keep it on servers. */
  apiKey: string;
  /** A fetch implementation (default: the global one). */
  fetch?: (input: Request) => Promise<Response>;
}

/** Options of `kino.upload`: the media's fields, and how to resume and report progress. */
export interface UploadOptions extends Omit<TusUploadOptions, 'endpoint' | 'headers' | 'metadata'> {
  /** The file name Kino keeps (default: the File's or stream's name). */
  filename?: string;
  title?: string;
  visibility?: 'public' | 'private';
}

/**
 * A Kino API client. `kino.api` is the client generated from Kino's OpenAPI document: every route,
 * typed (`kino.api.GET('/v1/jobs', …)`); the other members are the hand-written layer: uploads,
 * waiting, pagination, and errors thrown as KinoApiError.
 *
 * @example
 * import { Kino } from '@kino/sdk';
 * const kino = new Kino({ baseUrl: 'http://localhost:8080', apiKey: process.env.KINO_API_KEY });
 * const media = await kino.media.create({ title: 'Launch', visibility: 'private' });
 */
export class Kino {
  /** The typed client generated from `/v1/openapi.json` (openapi-fetch): answers `{data, error, response}`. */
  readonly api: Client<paths>;
  readonly baseUrl: string;
  private readonly apiKey: string;

  constructor(options: KinoOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: { authorization: `Bearer ${options.apiKey}` },
      ...(options.fetch && { fetch: options.fetch }),
    });
  }

  /** Media: create, read, list, change, delete, wait for, and mint playback tokens. */
  readonly media = {
    /**
     * Creates a media: it waits for an upload, or imports `input.url`.
     * @example
     * const media = await kino.media.create({ title: 'Keynote', visibility: 'private' });
     * const imported = await kino.media.create({ input: { url: 'https://example.com/talk.mp4' } });
     */
    create: async (input: CreateMediaInput = {}): Promise<Media> =>
      unwrap(await this.api.POST('/v1/media', { body: input })),

    /**
     * Reads a media (404 `not_found` for another tenant's).
     * @example
     * const { status, playable, playback } = await kino.media.get('med_123');
     */
    get: async (id: string): Promise<Media> =>
      unwrap(await this.api.GET('/v1/media/{id}', { params: { path: { id } } })),

    /**
     * One page of media, newest first (`nextCursor` leads to the next one).
     * @example
     * const { items, nextCursor } = await kino.media.list({ limit: 20, status: 'ready' });
     */
    list: async (query: ListMediaQuery = {}): Promise<CursorPage<Media>> =>
      unwrap(await this.api.GET('/v1/media', { params: { query } })),

    /**
     * Every media matching `query`, across pages, as an async iterator.
     * @example
     * for await (const media of kino.media.all({ q: 'keynote' })) console.log(media.title);
     */
    all: (query: Omit<ListMediaQuery, 'cursor'> = {}): AsyncGenerator<Media, void, undefined> =>
      paginate((cursor) => this.media.list({ ...query, ...(cursor !== undefined && { cursor }) })),

    /**
     * Changes a media's title, description, tags or visibility.
     * @example
     * await kino.media.update(id, { visibility: 'public' });
     */
    update: async (id: string, input: UpdateMediaInput): Promise<Media> =>
      unwrap(await this.api.PATCH('/v1/media/{id}', { params: { path: { id } }, body: input })),

    /**
     * Deletes a media and its stored files.
     * @example
     * await kino.media.delete(id);
     */
    delete: async (id: string): Promise<void> => {
      unwrapEmpty(await this.api.DELETE('/v1/media/{id}', { params: { path: { id } } }));
    },

    /**
     * Waits until the media is `playable` (streams already) or `ready` (all renditions done), polling
     * with a growing pause; throws KinoMediaError when it ends `errored`, KinoTimeoutError after `timeoutMs`.
     * @example
     * const media = await kino.media.waitFor(id, 'playable', { timeoutMs: 5 * 60_000 });
     */
    waitFor: (id: string, milestone: MediaMilestone, options?: WaitOptions): Promise<Media> =>
      waitForMedia(() => this.media.get(id), milestone, options),

    /**
     * A signed, expiring playback token and the playback URLs that carry it (HLS, DASH, MP4, poster,
     * embed), which hls.js, Safari, dash.js and ffmpeg play with no custom code.
     * @example
     * const { playback, expiresAt } = await kino.media.playbackToken(id, { expiresInSeconds: 600 });
     * console.log(`<iframe src="${playback.embed}"></iframe>`);
     */
    playbackToken: async (id: string, input: PlaybackTokenInput = {}): Promise<PlaybackToken> =>
      unwrap(
        await this.api.POST('/v1/media/{id}/playback-tokens', { params: { path: { id } }, body: input }),
      ),
  };

  /** Webhook endpoints (verify deliveries with `verifyWebhook`). */
  readonly webhooks = {
    /**
     * Creates an endpoint; the answer's `secret` is shown this once: store it to verify deliveries.
     * @example
     * const { id, secret } = await kino.webhooks.create({ url: 'https://example.com/kino-hooks', events: ['media.ready'] });
     */
    create: async (input: CreateWebhookInput): Promise<WebhookWithSecret> =>
      unwrap(await this.api.POST('/v1/webhooks', { body: input })),

    /**
     * Lists the tenant's endpoints.
     * @example
     * const endpoints = await kino.webhooks.list();
     */
    list: async (): Promise<Webhook[]> => unwrap(await this.api.GET('/v1/webhooks')).items,

    /**
     * Deletes an endpoint.
     * @example
     * await kino.webhooks.delete(id);
     */
    delete: async (id: string): Promise<void> => {
      unwrapEmpty(await this.api.DELETE('/v1/webhooks/{webhookId}', { params: { path: { webhookId: id } } }));
    },
  };

  /** One-time upload URLs, for uploads from browsers that must not see an API key. */
  readonly uploadUrls = {
    /**
     * Creates a one-time tus endpoint (needing no key) and the waiting media it fills; hand `url` and
     * `mediaId` to the browser, which uploads with `tusUpload`.
     * @example
     * const { url, mediaId } = await kino.uploadUrls.create({ title: 'From the web', allowedOrigin: 'https://app.example.com' });
     */
    create: async (input: CreateUploadUrlInput = {}): Promise<UploadUrl> =>
      unwrap(await this.api.POST('/v1/upload-urls', { body: input })),
  };

  /**
   * Uploads a file with tus (resumable, retried through dropped connections) and resolves with the
   * media id once the last byte is stored. Resume an interrupted upload with `uploadUrl` and
   * `mediaId` (given to `onUploadUrl` as soon as the upload exists) or with a `urlStorage`.
   * @example
   * import fs from 'node:fs';
   * const { mediaId } = await kino.upload(fs.createReadStream('talk.mp4'), {
   *   title: 'Talk',
   *   onProgress: (sent, total) => console.log(`${Math.round((100 * sent) / total)}%`),
   * });
   * const media = await kino.media.waitFor(mediaId, 'playable');
   */
  upload(source: UploadSource, options: UploadOptions = {}): Promise<UploadLocation> {
    const { filename, title, visibility, ...rest } = options;
    const name = filename ?? nameOf(source);
    return tusUpload(source, {
      ...rest,
      endpoint: `${this.baseUrl}/v1/uploads`,
      headers: { authorization: `Bearer ${this.apiKey}` },
      metadata: {
        ...(name !== undefined && { filename: name }),
        ...(title !== undefined && { title }),
        ...(visibility !== undefined && { visibility }),
      },
    });
  }
}

/** The data of a successful openapi-fetch answer, or a KinoApiError built from its problem body. */
function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  throw apiErrorOf(result);
}

function unwrapEmpty(result: { error?: unknown; response: Response }): void {
  if (!result.response.ok) throw apiErrorOf(result);
}

function apiErrorOf(result: { error?: unknown; response: Response }): KinoApiError {
  const { status, statusText } = result.response;
  const problem = problemOf(status, result.error, statusText || `HTTP ${status}`);
  return new KinoApiError(status, problem, result.response.headers.get('x-request-id') ?? undefined);
}

/** The file name of a browser File or a Node.js fs.ReadStream, when it has one. */
function nameOf(source: UploadSource): string | undefined {
  if (typeof (source as { name?: unknown }).name === 'string') return (source as { name: string }).name;
  const path = (source as { path?: unknown }).path;
  if (typeof path === 'string') return path.split(/[\\/]/).pop();
  return undefined;
}
