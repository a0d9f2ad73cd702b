import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../http/error-handler.ts';
import { ApiError } from '../http/problem.ts';
import { StorageNotFoundError, StorageRangeError, type Storage } from '../storage/storage.ts';
import { noneMatch, rangeStillValid } from '../http/conditional-requests.ts';
import { bytesEtag } from './http-caching.ts';
import type { FileBytes } from './open-files.ts';
import { parseRange } from './range-header.ts';

/** What /play serves from storage: a whole versioned file or a fixed byte window of it. */
export interface StoredBytes {
  /** The storage key. */
  key: string;
  /** The version it belongs to and its name there: with the window, they identify the bytes (ETag). */
  version: string;
  file: string;
  type: string;
  /** Inclusive offsets of a virtual segment inside the file; a Range is relative to it. */
  window?: { start: number; end: number } | undefined;
  cacheControl: string;
  /** Content-Disposition, for a download (see download-name.ts). */
  disposition?: string | undefined;
}

export interface ByteSource {
  storage: Storage;
  /** The size of a stored file (versioned files never change, so it may come from a cache); null when missing. */
  sizeOf(key: string): Promise<number | null>;
  /** The bytes start..end (inclusive); throws StorageNotFoundError or StorageRangeError. */
  read(key: string, start: number, end: number): Promise<FileBytes>;
  /** Set to answer whole-file GETs with a redirect to a presigned storage URL valid this long. */
  presignSeconds?: number | undefined;
}

const notFound = (reply: FastifyReply) =>
  sendProblem(reply, new ApiError('not_found', 'nothing to play here'));

/**
 * Answers GET or HEAD for stored bytes: 200 or 206 (one range, relative to the window), 304 for a
 * matching If-None-Match, the whole thing when If-Range is stale, 416 for a range past the end.
 * The body streams from storage (S3 gets the same Range), never buffered; in redirect mode a
 * whole file is a 302 to a short-lived presigned URL that the client re-sends its Range to.
 */
export async function sendBytes(
  request: FastifyRequest,
  reply: FastifyReply,
  source: ByteSource,
  bytes: StoredBytes,
): Promise<FastifyReply> {
  let window = bytes.window;
  if (!window) {
    const size = await source.sizeOf(bytes.key);
    if (size === null) return notFound(reply);
    window = { start: 0, end: size - 1 };
  }
  const etag = bytesEtag(bytes.version, bytes.file, window);
  reply.header('etag', etag).header('cache-control', bytes.cacheControl).header('accept-ranges', 'bytes');
  if (bytes.disposition) reply.header('content-disposition', bytes.disposition);
  if (noneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();

  const presign = source.storage.presignGet?.bind(source.storage);
  if (!bytes.window && source.presignSeconds !== undefined && presign) {
    // The URL expires: nobody may keep the redirect itself.
    const location = await presign(bytes.key, source.presignSeconds, { contentType: bytes.type });
    reply.header('cache-control', 'no-store').removeHeader('etag').removeHeader('accept-ranges');
    return reply.code(302).header('location', location).send();
  }

  const windowSize = window.end - window.start + 1;
  const ifRange = request.headers['if-range'];
  const valid = typeof ifRange !== 'object' && rangeStillValid(ifRange, etag);
  const asked = valid ? parseRange(request.headers.range, windowSize) : null;
  reply.type(bytes.type);
  if (asked === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${windowSize}`).send();
  }
  const first = asked?.start ?? 0;
  const last = asked?.end ?? windowSize - 1;
  reply.header('content-length', last - first + 1);
  if (asked) reply.code(206).header('content-range', `bytes ${first}-${last}/${windowSize}`);
  if (request.method === 'HEAD') return reply.send();
  try {
    const got = await source.read(bytes.key, window.start + first, window.start + last);
    // A pooled buffer goes back once the response is over, sent or cut short.
    reply.raw.once('close', got.release);
    return await reply.send(got.body);
  } catch (err) {
    if (err instanceof StorageNotFoundError || err instanceof StorageRangeError) {
      reply.removeHeader('content-length').removeHeader('content-range');
      return notFound(reply);
    }
    throw err;
  }
}
