import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { MediaRow } from '../db/schema.ts';
import { sendProblem } from '../http/error-handler.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { isWellFormedId } from '../lib/ids.ts';
import {
  dashManifest,
  masterPlaylist,
  mediaPlaylist,
  storyboardVtt,
  type PublishedRendition,
} from '../processing/manifests.ts';
import type { PlaybackIndex } from '../processing/playback-index.ts';
import type { ByteRange } from '../storage/storage.ts';
import { StorageRangeError } from '../storage/storage.ts';
import type { PlaybackService } from './playback.service.ts';

const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  mp4: 'video/mp4',
  m4s: 'video/iso.segment',
  jpg: 'image/jpeg',
  vtt: 'text/vtt; charset=utf-8',
};

/** What a path under a version names; null for anything not listed in the version's index. */
type Resolved =
  | { kind: 'text'; body: string; type: string }
  | { kind: 'bytes'; file: string; type: string; range?: { start: number; end: number } };

const STABLE_ALIASES = new Set(['poster.jpg', 'download.mp4', 'storyboard.vtt']);

/** `sheetBase` prefixes the sprite sheet URLs inside the storyboard (for the stable alias). */
export function resolveVersionFile(index: PlaybackIndex, file: string, sheetBase = ''): Resolved | null {
  const rendition = (id: string) => index.renditions.find((r) => r.id === id);
  const playlist = /^([a-z0-9-]+)\.m3u8$/.exec(file);
  if (playlist?.[1]) {
    const r = rendition(playlist[1]);
    return r ? { kind: 'text', body: mediaPlaylist(r), type: TYPES.m3u8 ?? '' } : null;
  }
  const segment = /^([a-z0-9-]+)\/(init\.mp4|(\d{1,6})\.m4s)$/.exec(file);
  if (segment?.[1]) {
    const r: PublishedRendition | undefined = rendition(segment[1]);
    if (!r) return null;
    if (segment[2] === 'init.mp4') {
      return {
        kind: 'bytes',
        file: r.file,
        type: TYPES.mp4 ?? '',
        range: { start: 0, end: r.index.initLength - 1 },
      };
    }
    const s = r.index.segments[Number(segment[3])];
    return s
      ? {
          kind: 'bytes',
          file: r.file,
          type: TYPES.m4s ?? '',
          range: { start: s.offset, end: s.offset + s.length - 1 },
        }
      : null;
  }
  if (file === 'storyboard.vtt' && index.storyboard) {
    const sb = index.storyboard;
    const body = storyboardVtt(
      { file: (n) => sheetBase + (sb.sheets[n] ?? ''), perSheet: sb.perSheet },
      { width: sb.tileWidth, height: sb.tileHeight, columns: sb.columns },
      sb.intervalSeconds,
      sb.count,
      index.durationSeconds,
    );
    return { kind: 'text', body, type: TYPES.vtt ?? '' };
  }
  const listed = [
    ...index.renditions.map((r) => r.file),
    index.poster,
    index.download,
    ...(index.storyboard?.sheets ?? []),
  ].filter((f): f is string => f !== null);
  if (!listed.includes(file)) return null;
  return { kind: 'bytes', file, type: TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream' };
}

/** One "bytes=a-b" / "bytes=a-" / "bytes=-n" range; anything else is served whole (RFC 9110 allows that). */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (size === 0) return 'unsatisfiable';
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

const paramsSchema = z.object({ mediaId: z.string().max(64), '*': z.string().max(300) });

/**
 * Playback: `/play/{media}/master.m3u8` and `/manifest.mpd` name the media (stable across
 * reprocessing) and point into `/play/{media}/{version}/…`, whose bytes never change. Private
 * media need a token in the path (`/play/t/{token}/{media}/…`), which relative child URLs carry.
 */
export function playRoutes(playback: PlaybackService, opts: { corsOrigin?: string } = {}) {
  const serve = async (request: FastifyRequest, reply: FastifyReply, token: string | null) => {
    const { mediaId, '*': rest } = paramsSchema.parse(request.params);
    reply.header('access-control-allow-origin', opts.corsOrigin ?? '*');
    reply.header(
      'access-control-expose-headers',
      'content-length, content-range, accept-ranges, x-request-id',
    );
    const notFound = () => sendProblem(reply, new ApiError('not_found', 'nothing to play here'));
    if (!isWellFormedId('med', mediaId)) return notFound();
    const media = await playback.media(mediaId);
    if (!media?.playback_prefix) return notFound();
    if (token !== null || media.visibility === 'private') {
      if (token === null) {
        return sendProblem(
          reply,
          new ApiError('playback_token_required', 'this media is private: use a playback token URL'),
        );
      }
      const verdict = await playback.verifyToken(token, mediaId, request.ip);
      if (!verdict.ok)
        return sendProblem(
          reply,
          new ApiError('invalid_playback_token', `the playback token is not valid (${verdict.reason})`),
        );
    }
    const cache = media.visibility === 'private' ? 'private' : 'public';
    return serveFile(reply, media, rest, cache, request.headers.range);
  };

  const serveFile = async (
    reply: FastifyReply,
    media: MediaRow,
    rest: string,
    cache: string,
    rangeHeader?: string,
  ) => {
    const notFound = () => sendProblem(reply, new ApiError('not_found', 'nothing to play here'));
    const current = playback.currentVersion(media);
    if (current && (rest === 'master.m3u8' || rest === 'manifest.mpd')) {
      const index = await playback.index(media, current);
      if (!index) return notFound();
      const inVersion = index.renditions.map((r) => ({ ...r, id: `${current}/${r.id}` }));
      const body =
        rest === 'master.m3u8'
          ? masterPlaylist(inVersion.map((r) => ({ ...r, file: `${current}/${r.file}` })))
          : dashManifest(inVersion, index.durationSeconds);
      reply.header('cache-control', `${cache}, max-age=2`);
      return reply.type(rest === 'master.m3u8' ? (TYPES.m3u8 ?? '') : (TYPES.mpd ?? '')).send(body);
    }
    const slash = rest.indexOf('/');
    if (slash < 0) {
      // Stable names for the current version's poster, storyboard and download.
      if (!current || !STABLE_ALIASES.has(rest)) return notFound();
      const index = await playback.index(media, current);
      const resolved = index && resolveVersionFile(index, rest, `${current}/`);
      if (!resolved) return notFound();
      reply.header('cache-control', `${cache}, max-age=60`);
      if (resolved.kind === 'text') return reply.type(resolved.type).send(resolved.body);
      return sendBytes(
        reply,
        playback,
        playback.versionPrefix(media, current) + resolved.file,
        resolved,
        rangeHeader,
      );
    }
    const version = rest.slice(0, slash);
    const index = await playback.index(media, version);
    const resolved = index && resolveVersionFile(index, rest.slice(slash + 1));
    if (!resolved) return notFound();
    // A version's bytes and manifests never change: cache them for good.
    reply.header('cache-control', `${cache}, max-age=31536000, immutable`);
    if (resolved.kind === 'text') return reply.type(resolved.type).send(resolved.body);
    return sendBytes(
      reply,
      playback,
      playback.versionPrefix(media, version) + resolved.file,
      resolved,
      rangeHeader,
    );
  };

  return async (app: App) => {
    const schema = { hide: true, params: paramsSchema } as const;
    app.get('/play/:mediaId/*', { config: { access: 'public' }, schema }, (request, reply) =>
      serve(request, reply, null),
    );
    app.get(
      '/play/t/:token/:mediaId/*',
      {
        config: { access: 'public' },
        schema: { hide: true, params: paramsSchema.extend({ token: z.string().max(1024) }) },
      },
      (request, reply) => serve(request, reply, request.params.token),
    );
  };
}

async function sendBytes(
  reply: FastifyReply,
  playback: PlaybackService,
  key: string,
  resolved: Extract<Resolved, { kind: 'bytes' }>,
  rangeHeader: string | undefined,
) {
  const storage = playback.storage;
  const head = await storage.head(key);
  if (!head) return sendProblem(reply, new ApiError('not_found', 'nothing to play here'));
  // Virtual segments are a fixed window of the file; a Range inside them is relative to it.
  const window = resolved.range ?? { start: 0, end: head.size - 1 };
  const windowSize = window.end - window.start + 1;
  const asked = parseRange(rangeHeader, windowSize);
  reply.header('accept-ranges', 'bytes').type(resolved.type);
  if (asked === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${windowSize}`).send();
  }
  const start = window.start + (asked?.start ?? 0);
  const end = window.start + (asked?.end ?? windowSize - 1);
  try {
    const got = await storage.get(key, { start, end });
    reply.header('content-length', got.contentLength);
    if (asked)
      reply
        .code(206)
        .header('content-range', `bytes ${asked.start}-${asked.end ?? windowSize - 1}/${windowSize}`);
    return await reply.send(got.body);
  } catch (err) {
    if (err instanceof StorageRangeError) return reply.code(416).send();
    throw err;
  }
}
