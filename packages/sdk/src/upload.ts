import {
  Upload,
  type DetailedError,
  type HttpRequest,
  type HttpResponse,
  type UrlStorage,
} from 'tus-js-client';
import { KinoUploadError } from './errors.ts';

/**
 * What can be uploaded: in a browser a `File` or `Blob`; in Node.js `fs.createReadStream(path)`
 * (resumable from any offset, and the stream's path and mtime identify it for resuming) or a Buffer.
 */
export type UploadSource = ConstructorParameters<typeof Upload>[0];

/** Where an upload is, once Kino has created it: keep both to resume it later, from any process. */
export interface UploadLocation {
  /** The tus upload URL: pass it back as `uploadUrl` to resume. */
  uploadUrl: string;
  /** The media the upload fills. */
  mediaId: string;
}

export interface TusUploadOptions {
  /** The tus endpoint: `<kino>/v1/uploads` with an API key, or a one-time upload URL's `url`. */
  endpoint: string;
  /** Request headers, e.g. `authorization` (none for a one-time upload URL). */
  headers?: Record<string, string>;
  /** tus `Upload-Metadata`: `filename`, `title`, `visibility`, `mediaId`. */
  metadata?: Record<string, string>;
  /** Resume this upload (from an earlier `onUploadUrl`) instead of creating one. */
  uploadUrl?: string;
  /** The media id when it is known in advance (a one-time upload URL's `mediaId`, a resumed upload). */
  mediaId?: string;
  /** Called as soon as the upload exists on the server: persist it to resume after a crash. */
  onUploadUrl?: (location: UploadLocation) => void;
  /** Called when an existing upload is resumed, with the offset the server already has. */
  onResume?: (offset: number) => void;
  /** Bytes sent so far and the total. */
  onProgress?: (bytesSent: number, bytesTotal: number) => void;
  /**
   * tus-js-client's URL storage, which finds an earlier upload of the same file by its fingerprint
   * and resumes it. Browsers default to `localStorage`; in Node.js pass one
   * (e.g. `jsonFileUrlStorage` from `@kino/sdk/node`) or `uploadUrl`.
   */
  urlStorage?: UrlStorage;
  /** Delays between retries after a network error or a 5xx, in ms (tus-js-client's `retryDelays`). */
  retryDelays?: number[];
  /** Bytes per PATCH request; needed for plain Node.js streams, optional otherwise. */
  chunkSize?: number;
  /** Aborts the upload (it stays resumable on the server). */
  signal?: AbortSignal;
}

const DEFAULT_RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000, 20_000];

/**
 * Uploads one file to a Kino tus endpoint with tus-js-client, resuming where an earlier attempt
 * stopped (`uploadUrl`, or a previous upload found in `urlStorage` by the file's fingerprint), and
 * retrying through dropped connections. Resolves once the last byte is stored; the media is then
 * `processing` (see `waitForMedia`).
 *
 * @example
 * // In a web page, with a one-time upload URL your server made (`kino.uploadUrls.create`):
 * const { mediaId } = await tusUpload(fileInput.files[0], {
 *   endpoint: uploadUrl.url,
 *   mediaId: uploadUrl.mediaId,
 *   onProgress: (sent, total) => (progress.value = sent / total),
 * });
 */
export async function tusUpload(source: UploadSource, options: TusUploadOptions): Promise<UploadLocation> {
  let mediaId = options.mediaId ?? options.metadata?.mediaId;
  let upload: Upload | undefined;
  const done = new Promise<UploadLocation>((resolve, reject) => {
    upload = new Upload(source, {
      endpoint: options.endpoint,
      headers: options.headers ?? {},
      metadata: { ...options.metadata, ...(mediaId !== undefined && { mediaId }) },
      uploadUrl: options.uploadUrl ?? null,
      retryDelays: options.retryDelays ?? DEFAULT_RETRY_DELAYS,
      removeFingerprintOnSuccess: true,
      ...(options.chunkSize !== undefined && { chunkSize: options.chunkSize }),
      ...(options.urlStorage !== undefined && { urlStorage: options.urlStorage }),
      onAfterResponse: (req: HttpRequest, res: HttpResponse) => {
        if (req.getMethod() === 'POST') mediaId = res.getHeader('Kino-Media-Id') ?? mediaId;
        if (req.getMethod() === 'HEAD' && res.getStatus() === 200) {
          options.onResume?.(Number(res.getHeader('Upload-Offset') ?? 0));
        }
      },
      onUploadUrlAvailable: () => {
        const uploadUrl = upload?.url;
        if (uploadUrl && mediaId !== undefined) options.onUploadUrl?.({ uploadUrl, mediaId });
      },
      onProgress: options.onProgress ?? null,
      onSuccess: () => {
        const uploadUrl = upload?.url;
        if (!uploadUrl || mediaId === undefined) {
          reject(
            new KinoUploadError(
              'the upload finished without an upload URL or media id',
              undefined,
              undefined,
            ),
          );
        } else resolve({ uploadUrl, mediaId });
      },
      onError: (err: Error | DetailedError) => {
        reject(uploadErrorOf(err));
      },
    });
  });
  if (!upload) throw new Error('unreachable: the Upload is made synchronously');
  const started = upload;
  if (options.signal) {
    if (options.signal.aborted) throw abortError(options.signal);
    options.signal.addEventListener('abort', () => void started.abort(false), { once: true });
  }
  if (options.uploadUrl === undefined && options.urlStorage !== undefined) {
    const previous = (await started.findPreviousUploads()).find((p) => p.uploadUrl);
    if (previous) {
      mediaId = previous.metadata.mediaId ?? mediaId;
      started.resumeFromPreviousUpload(previous);
    }
  }
  started.start();
  if (!options.signal) return done;
  const signal = options.signal;
  return Promise.race([
    done,
    new Promise<never>((_, reject) => {
      signal.addEventListener(
        'abort',
        () => {
          reject(abortError(signal));
        },
        { once: true },
      );
    }),
  ]);
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('The upload was aborted', 'AbortError');
}

/** A tus-js-client error as a KinoUploadError with the answer's status and problem code. */
function uploadErrorOf(err: Error | DetailedError): KinoUploadError {
  const response = 'originalResponse' in err ? err.originalResponse : null;
  const status = response?.getStatus();
  let code: string | undefined;
  let detail: string | undefined;
  try {
    const body = JSON.parse(response?.getBody() ?? '') as { code?: unknown; detail?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.detail === 'string') detail = body.detail;
  } catch {
    // Not a problem+json body (a network error, a proxy's page): the status says what is known.
  }
  const message = detail !== undefined ? `${code ?? 'upload_failed'}: ${detail}` : err.message;
  return new KinoUploadError(message, status, code, { cause: err });
}
