import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sendProblem } from '../http/error-handler.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { isWellFormedId } from '../lib/ids.ts';
import { dashManifest, masterPlaylist, mediaPlaylist, storyboardVtt } from './manifests.ts';
import type { PlaybackIndex, PublishedRendition } from '../media/playback-index.ts';
import {
  CAPTIONS_PATH,
  captionInVersion,
  subtitlesUnder,
  type PlayCaptions,
  type PlaySubtitles,
} from './caption-playback.ts';
import { allowCrossOrigin, answerPreflight } from './cors.ts';
import { noneMatch } from '../http/conditional-requests.ts';
import { cacheControl, neverCacheErrors, textEtag, type CacheClass } from './http-caching.ts';
import { admit, invalidToken, openUntil, type Admission, type PlayAccessDeps } from './play-access.ts';
import { playedInSession, sessionExpiresAt } from './playback-session.ts';
import { withBeaconGrant } from './beacon-grant.ts';
import type { PlayObserver } from './play-observer.ts';
import { sendBytes } from './send-bytes.ts';
import { downloadDisposition } from './download-name.ts';
import type { PlayableMedia } from './playable-media.repository.ts';
import type { LivePlaybackPort } from './live-playback-port.ts';

export { parseRange } from './range-header.ts';

const TYPES = {
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  mp4: 'video/mp4',
  audioMp4: 'audio/mp4',
  m4s: 'video/iso.segment',
  jpg: 'image/jpeg',
  vtt: 'text/vtt; charset=utf-8',
} as const;

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
    return r ? { kind: 'text', body: mediaPlaylist(r), type: TYPES.m3u8 } : null;
  }
  const segment = /^([a-z0-9-]+)\/(init\.mp4|(\d{1,6})\.m4s)$/.exec(file);
  if (segment?.[1]) {
    const r: PublishedRendition | undefined = rendition(segment[1]);
    if (!r) return null;
    if (segment[2] === 'init.mp4') {
      return {
        kind: 'bytes',
        file: r.file,
        type: r.kind === 'audio' ? TYPES.audioMp4 : TYPES.mp4,
        range: { start: 0, end: r.index.initLength - 1 },
      };
    }
    const s = r.index.segments[Number(segment[3])];
    return s
      ? {
          kind: 'bytes',
          file: r.file,
          type: TYPES.m4s,
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
    return { kind: 'text', body, type: TYPES.vtt };
  }
  const audio = index.renditions.find((r) => r.kind === 'audio' && r.file === file);
  if (audio) return { kind: 'bytes', file, type: TYPES.audioMp4 };
  const listed = [
    ...index.renditions.map((r) => r.file),
    index.poster,
    index.download,
    ...(index.storyboard?.sheets ?? []),
  ].filter((f): f is string => f !== null);
  if (!listed.includes(file)) return null;
  const extension = file.split('.').pop();
  const type = extension === 'mp4' ? TYPES.mp4 : extension === 'jpg' ? TYPES.jpg : 'application/octet-stream';
  return { kind: 'bytes', file, type };
}

const paramsSchema = z.object({ mediaId: z.string().max(64), '*': z.string().max(300) });
const tokenParamsSchema = paramsSchema.extend({ token: z.string().max(1024) });

export interface PlayRoutesDeps extends PlayAccessDeps {
  /** Answer whole-file requests with a redirect to a presigned storage URL valid this long (S3). */
  presignSeconds?: number | undefined;
  /** Caption tracks: listed in the master playlist and MPD, served under `captions/`. */
  captions?: PlayCaptions | undefined;
  /** Told of bytes delivered and of players' CMCD data (analytics). */
  observer?: PlayObserver | undefined;
  /** A broadcast's media plays from its live segments until it has a VOD version. */
  live?: LivePlaybackPort | undefined;
}

const NO_SUBTITLES: PlaySubtitles = { key: '', list: [] };

/**
 * Playback: `/play/{media}/master.m3u8` and `/manifest.mpd` name the media (stable across
 * reprocessing) and point into `/play/{media}/{version}/…`, whose bytes never change. Private
 * media need a token in the path (`/play/t/{token}/{media}/…`), which relative child URLs carry.
 * Every request passes the tenant's rules first (see play-access.ts); caching in http-caching.ts.
 */
export function playRoutes(deps: PlayRoutesDeps) {
  const { playback } = deps;
  /** The tenant of each request that reached a media, for the observer's byte count. */
  const served = new WeakMap<FastifyRequest, string>();
  const notFound = (reply: FastifyReply) =>
    sendProblem(reply, new ApiError('not_found', 'nothing to play here'));

  const serve = async (request: FastifyRequest, reply: FastifyReply, token: string | null) => {
    const { mediaId, '*': rest } = paramsSchema.parse(request.params);
    allowCrossOrigin(reply);
    if (!isWellFormedId('med', mediaId)) return notFound(reply);
    // Manifests and stable names may use a copy of the row up to 0.1 s old, requests inside a
    // version one up to a second old (players fetch several segments a second).
    const inVersion = rest.includes('/');
    const media = await (inVersion
      ? playback.mediaForVersionRequest(mediaId)
      : playback.mediaForManifest(mediaId));
    if (!media?.playback_prefix) {
      if (!media?.live_stream_id || !deps.live) return notFound(reply);
      return deps.live.serveMedia(request, reply, media, rest, await admit(deps, request, media, token));
    }
    const slash = rest.indexOf('/');
    const version = inVersion && !rest.startsWith(CAPTIONS_PATH) ? rest.slice(0, slash) : undefined;
    const admission = await admit(deps, request, media, token, version);
    if (deps.observer) {
      served.set(request, media.tenant_id);
      const cmcd = (request.query as Record<string, unknown> | undefined)?.CMCD;
      if (typeof cmcd === 'string' && cmcd.length <= 2048)
        deps.observer.cmcd(media.tenant_id, media.id, cmcd);
    }
    return serveFile(request, reply, media, rest, admission, token);
  };

  const serveFile = async (
    request: FastifyRequest,
    reply: FastifyReply,
    media: PlayableMedia,
    rest: string,
    admission: Admission,
    token: string | null,
  ) => {
    const secondsLeft = admission.claims
      ? admission.claims.expiresAt - Math.floor(Date.now() / 1000)
      : undefined;
    const policy = (cls: CacheClass) => cacheControl(cls, admission.restricted, secondsLeft);
    const current = playback.currentVersion(media);
    if (current && (rest === 'master.m3u8' || rest === 'manifest.mpd')) {
      const index = await playback.index(media, current);
      if (!index) return notFound(reply);
      // Caption tracks belong to the media, not the version: the memo is per index and track list.
      const subtitles = (await deps.captions?.subtitles(media)) ?? NO_SUBTITLES;
      // A session's caption URLs go under its version path too, so they carry its grant.
      const manifest = (base: string, sessionCaptions = false) => {
        const inVersion = index.renditions.map((r) => ({ ...r, id: `${base}/${r.id}` }));
        const tracks = sessionCaptions ? subtitlesUnder(subtitles.list, base) : subtitles.list;
        return rest === 'master.m3u8'
          ? textOf(
              masterPlaylist(
                inVersion.map((r) => ({ ...r, file: `${base}/${r.file}` })),
                tracks,
              ),
              TYPES.m3u8,
            )
          : textOf(dashManifest(inVersion, index.durationSeconds, tracks), TYPES.mpd);
      };
      // A session started with a token: its child URLs carry a grant in the token's place (see
      // playback-session.ts), `/play/t/{grant}/{media}/{version}/…`, relative to this one.
      const text =
        token !== null && admission.claims
          ? manifest(
              `../../${await playback.signSessionGrant(admission.claims, current, index.durationSeconds)}/${media.id}/${current}`,
              true,
            )
          : memo(index, `@${rest}${subtitles.key}`, () => manifest(current));
      if (text?.kind !== 'text') return notFound(reply);
      if (rest !== 'master.m3u8') return sendText(request, reply, text, policy('manifest'));
      // Whoever may play the media may report how it played (see beacon-grant.ts).
      const sessionEnd =
        token !== null && admission.claims
          ? sessionExpiresAt(admission.claims.expiresAt, index.durationSeconds)
          : undefined;
      const grant = await playback.signBeaconGrant(media, index.durationSeconds, sessionEnd);
      return sendText(
        request,
        reply,
        textOf(withBeaconGrant(text.body, grant), text.type),
        policy('manifest'),
      );
    }
    // Caption files by the media's stable path (timed by the current version), or inside a version.
    const inVersionCaption = deps.captions ? captionInVersion(rest) : null;
    if (deps.captions && (rest.startsWith(CAPTIONS_PATH) || inVersionCaption)) {
      const version = inVersionCaption ? inVersionCaption.version : current;
      const name = inVersionCaption ? inVersionCaption.name : rest.slice(CAPTIONS_PATH.length);
      const index = version ? await playback.index(media, version) : null;
      const found = index && (await deps.captions.file(media, name, index));
      if (!found) return notFound(reply);
      return sendText(request, reply, textOf(found.body, found.type), policy(found.cache));
    }
    const slash = rest.indexOf('/');
    // Stable names for the current version's poster, storyboard and download, or a file in a version.
    const alias = slash < 0;
    if (alias && (!current || !STABLE_ALIASES.has(rest))) return notFound(reply);
    const version = alias ? (current ?? '') : rest.slice(0, slash);
    const index = await playback.index(media, version);
    const file = alias ? rest : rest.slice(slash + 1);
    const resolved =
      index &&
      memo(index, `${alias ? '/' : ''}${file}`, () => {
        const found = resolveVersionFile(index, file, alias ? `${version}/` : '');
        return found?.kind === 'text' ? textOf(found.body, found.type) : found;
      });
    if (!resolved) return notFound(reply);
    // A session grant opens the download, poster and storyboard only while its token is valid.
    const left = admission.claims
      ? openUntil(admission.claims, playedInSession(index, file)) - Math.floor(Date.now() / 1000)
      : undefined;
    if (left !== undefined && left <= 0) throw invalidToken('expired');
    const filePolicy = (cls: CacheClass) => cacheControl(cls, admission.restricted, left);
    if (resolved.kind === 'text')
      return sendText(request, reply, resolved, filePolicy(alias ? 'alias' : 'playlist'));
    return sendBytes(
      request,
      reply,
      {
        storage: playback.storage,
        sizeOf: (key) => playback.sizeOf(key),
        read: (key, start, end) => playback.read(key, start, end),
        presignSeconds: presignFor(left),
      },
      {
        key: playback.versionPrefix(media, version) + resolved.file,
        version,
        file: resolved.file,
        type: resolved.type,
        window: resolved.range,
        cacheControl: filePolicy(alias ? 'alias' : 'immutable'),
        disposition: resolved.file === index.download ? downloadDisposition(media.title) : undefined,
      },
    );
  };

  /** A presigned URL lives no longer than the token that led to it. */
  const presignFor = (secondsLeft: number | undefined) =>
    deps.presignSeconds === undefined
      ? undefined
      : Math.max(1, Math.min(deps.presignSeconds, secondsLeft ?? Infinity));

  return async (app: App) => {
    neverCacheErrors(app);
    const observer = deps.observer;
    if (observer) {
      app.addHook('onResponse', async (request, reply) => {
        const tenantId = served.get(request);
        if (!tenantId || request.method !== 'GET' || (reply.statusCode !== 200 && reply.statusCode !== 206))
          return;
        const length = Number(reply.getHeader('content-length'));
        if (Number.isSafeInteger(length) && length > 0) observer.delivered(tenantId, length);
      });
    }
    // HEAD is declared (not derived from GET) so that it answers from sizes, without opening the bytes.
    app.route({
      method: ['GET', 'HEAD'],
      url: '/play/:mediaId/*',
      config: { access: 'public' },
      schema: { hide: true, params: paramsSchema },
      handler: (request, reply) => serve(request, reply, null),
    });
    app.route({
      method: ['GET', 'HEAD'],
      url: '/play/t/:token/:mediaId/*',
      config: { access: 'public' },
      schema: { hide: true, params: tokenParamsSchema },
      handler: (request, reply) => serve(request, reply, request.params.token),
    });
    app.options('/play/*', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) =>
      answerPreflight(reply),
    );
  };
}

/** A generated text (playlist, MPD, WebVTT) with its type and ETag. */
interface Text {
  kind: 'text';
  body: string;
  type: string;
  etag: string;
}

const textOf = (body: string, type: string): Text => ({ kind: 'text', body, type, etag: textEtag(body) });

type Served = Text | Extract<Resolved, { kind: 'bytes' }>;

/**
 * What a name under a version's index serves, worked out once per index: players ask for the same
 * playlists and segments over and over, and an index never changes. Names that resolve to nothing
 * are not kept, so hostile paths cannot grow the memo.
 */
const memos = new WeakMap<PlaybackIndex, Map<string, Served>>();
function memo(index: PlaybackIndex, name: string, resolve: () => Served | null): Served | null {
  let names = memos.get(index);
  if (!names) {
    names = new Map();
    memos.set(index, names);
  }
  const known = names.get(name);
  if (known) return known;
  const served = resolve();
  if (served) names.set(name, served);
  return served;
}

function sendText(request: FastifyRequest, reply: FastifyReply, text: Text, cache: string): FastifyReply {
  reply.header('etag', text.etag).header('cache-control', cache);
  if (noneMatch(request.headers['if-none-match'], text.etag)) return reply.code(304).send();
  return reply.type(text.type).send(text.body);
}
