import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Admission, PlayAccessDeps } from '../delivery/play-access.ts';
import { admit } from '../delivery/play-access.ts';
import type { PlayableMedia } from '../delivery/playable-media.repository.ts';
import type { LivePlaybackPort } from '../delivery/live-playback-port.ts';
import { allowCrossOrigin } from '../delivery/cors.ts';
import { sendProblem } from '../http/error-handler.ts';
import { ApiError } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { isWellFormedId } from '../lib/ids.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { StorageNotFoundError, type Storage } from '../storage/storage.ts';
import { storageLayout } from '../storage/storage-layout.ts';
import {
  liveDashManifest,
  liveMasterPlaylist,
  liveMediaPlaylist,
  type LivePlaylistOptions,
} from './live-playlists.ts';
import { liveEmbedRoutes } from './live-embed.routes.ts';
import { parseTracks, type LivePeriod, type LiveSegment } from './live-tracks.ts';
import { segmentSecondsFor } from './packager-command.ts';

const TYPES = {
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  mp4: 'video/mp4',
  m4s: 'video/iso.segment',
} as const;

/** What the stream-level gate needs of a media row: the stream stands in for its broadcast. */
const STREAM_GATE = { playback_prefix: null, playback_index: null, live_status: null } as const;

const SEGMENT = /^live\/p(\d{1,6})\/([a-z0-9]{1,16})\/(init\.mp4|(\d{1,9})\.m4s)$/;
const PLAYLIST = /^live\/([a-z0-9]{1,16})\.m3u8$/;

export interface LivePlayDeps {
  repos: Pick<Repositories, 'liveStreams' | 'liveSegments' | 'media'>;
  storage: Storage;
  now?: () => number;
}

/**
 * Plays broadcasts: a broadcast's media (`/play/{media}/…`) from its live segments until its VOD
 * version is published, and a stream's current broadcast (`/play/live/{stream}/master.m3u8`,
 * `/manifest.mpd`). Playlists are written per request from the segment rows, so any API process
 * serves any broadcast; segments come from storage.
 */
export class LivePlayback implements LivePlaybackPort {
  private readonly now: () => number;

  constructor(private readonly deps: LivePlayDeps) {
    this.now = deps.now ?? Date.now;
  }

  async serveMedia(
    request: FastifyRequest,
    reply: FastifyReply,
    media: PlayableMedia,
    rest: string,
    admission: Admission,
  ) {
    return this.serve(request, reply, media, rest, admission, '');
  }

  routes(access: PlayAccessDeps) {
    const params = z.object({ liveStreamId: z.string().max(64), file: z.string().max(40) });
    const handler = (withToken: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
      const { liveStreamId, file } = params.parse(request.params);
      const token = withToken ? z.object({ token: z.string().max(1024) }).parse(request.params).token : null;
      allowCrossOrigin(reply);
      if (!isWellFormedId('ls', liveStreamId) || (file !== 'master.m3u8' && file !== 'manifest.mpd')) {
        return sendProblem(reply, new ApiError('not_found', 'nothing to play here'));
      }
      const stream = await this.deps.repos.liveStreams.getById(liveStreamId);
      if (!stream) return sendProblem(reply, new ApiError('not_found', 'live stream not found'));
      // The gate first (tenant rules, a private stream's token): whether a stream is on air shows
      // to no one it would refuse.
      await admit(
        access,
        request,
        {
          ...STREAM_GATE,
          id: stream.id,
          tenant_id: stream.tenant_id,
          visibility: stream.visibility,
          title: stream.title,
          live_stream_id: stream.id,
        },
        token,
      );
      const media = stream.active_media_id
        ? await this.deps.repos.media.getForPlayback(stream.active_media_id)
        : undefined;
      if (!media || media.live_status !== 'active') {
        return sendProblem(
          reply,
          new ApiError('live_stream_idle', 'the live stream is not broadcasting now'),
        );
      }
      const admission = await admit(access, request, media, token);
      // Child URLs name the broadcast's media, relative to this path (so a token path carries on).
      return this.serve(request, reply, media, file, admission, `../../${media.id}/`);
    };
    return async (app: App) => {
      app.get(
        '/play/live/:liveStreamId/:file',
        { config: { access: 'public' }, schema: { hide: true } },
        handler(false),
      );
      app.get(
        '/play/t/:token/live/:liveStreamId/:file',
        { config: { access: 'public' }, schema: { hide: true } },
        handler(true),
      );
      await app.register(liveEmbedRoutes({ repos: this.deps.repos, access }));
    };
  }

  private async serve(
    request: FastifyRequest,
    reply: FastifyReply,
    media: PlayableMedia,
    rest: string,
    admission: Admission,
    base: string,
  ) {
    const notFound = () => sendProblem(reply, new ApiError('not_found', 'nothing to play here'));
    const ended = media.live_status !== 'active';
    const stream = media.live_stream_id
      ? await this.deps.repos.liveStreams.getById(media.live_stream_id)
      : undefined;
    const opts: LivePlaylistOptions = {
      ended,
      dvrWindowSeconds: stream?.dvr_window_seconds ?? 7200,
      segmentSeconds: segmentSecondsFor(stream?.latency ?? 'standard'),
      blockingReload: stream?.latency === 'low',
    };
    const privacy = admission.restricted ? 'private' : 'public';
    const textPolicy = ended ? `${privacy}, max-age=10` : `${privacy}, max-age=1`;
    const segment = SEGMENT.exec(rest);
    if (segment) {
      const [, period = '', track = '', name, seq] = segment;
      const key =
        seq === undefined
          ? storageLayout.liveInitKey(media.tenant_id, media.id, Number(period), track)
          : storageLayout.liveSegmentKey(media.tenant_id, media.id, Number(period), track, Number(seq));
      return this.sendObject(
        request,
        reply,
        key,
        name === 'init.mp4' ? TYPES.mp4 : TYPES.m4s,
        `${privacy}, max-age=31536000, immutable`,
      );
    }
    const periods = await this.periods(media.id);
    const playlist = PLAYLIST.exec(rest);
    if (playlist?.[1]) {
      const track = playlist[1];
      if (!periods.some((p) => p.tracks.some((t) => t.id === track))) return notFound();
      const msn = Number((request.query as Record<string, unknown>)['_HLS_msn']);
      if (opts.blockingReload && !ended && Number.isInteger(msn) && msn >= 0) {
        // RFC 8216bis 6.2.5.2: a segment more than two past the last one is a client error.
        const next = await this.deps.repos.liveSegments.nextSeq(media.id, track);
        if (msn > next + 1) {
          return sendProblem(
            reply,
            new ApiError('invalid_request', '_HLS_msn is more than two segments ahead'),
          );
        }
        await this.waitForSegment(media.id, track, msn, opts.segmentSeconds * 3000);
      }
      const segments = await this.segments(media.id, track);
      return sendText(reply, liveMediaPlaylist(track, segments, opts), TYPES.m3u8, textPolicy);
    }
    const latest = [...periods].reverse().find((p) => p.tracks.length > 0);
    if (!latest)
      return sendProblem(reply, new ApiError('not_found', 'the broadcast has not sent a segment yet'));
    if (rest === 'master.m3u8') {
      return sendText(reply, liveMasterPlaylist(latest.tracks, base), TYPES.m3u8, textPolicy);
    }
    if (rest === 'manifest.mpd') {
      const ids = new Set(periods.flatMap((p) => p.tracks.map((t) => t.id)));
      const byTrack = new Map<string, LiveSegment[]>();
      for (const id of ids) byTrack.set(id, await this.segments(media.id, id));
      return sendText(
        reply,
        liveDashManifest(periods, byTrack, opts, this.now(), base),
        TYPES.mpd,
        textPolicy,
      );
    }
    return notFound();
  }

  private async periods(mediaId: string): Promise<LivePeriod[]> {
    const rows = await this.deps.repos.liveSegments.periods(mediaId);
    return rows.map((r) => ({ period: r.period, startedAt: r.started_at, tracks: parseTracks(r.tracks) }));
  }

  private async segments(mediaId: string, track: string): Promise<LiveSegment[]> {
    const rows = await this.deps.repos.liveSegments.segments(mediaId, track);
    return rows.map((r) => ({
      seq: r.seq,
      period: r.period,
      durationMs: r.duration_ms,
      receivedAt: r.received_at,
    }));
  }

  /** LL-HLS blocking reload: answer once segment `msn` exists, or after `maxMs`. */
  private async waitForSegment(mediaId: string, track: string, msn: number, maxMs: number): Promise<void> {
    const until = this.now() + maxMs;
    while (this.now() < until) {
      if ((await this.deps.repos.liveSegments.nextSeq(mediaId, track)) > msn) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async sendObject(
    request: FastifyRequest,
    reply: FastifyReply,
    key: string,
    type: string,
    cache: string,
  ) {
    try {
      if (request.method === 'HEAD') {
        const info = await this.deps.storage.head(key);
        if (!info) throw new StorageNotFoundError(key);
        return await reply
          .header('content-type', type)
          .header('content-length', info.size)
          .header('cache-control', cache)
          .send();
      }
      const object = await this.deps.storage.get(key);
      return await reply
        .header('content-type', type)
        .header('content-length', object.contentLength)
        .header('cache-control', cache)
        .send(object.body);
    } catch (err) {
      if (err instanceof StorageNotFoundError)
        return sendProblem(reply, new ApiError('not_found', 'nothing to play here'));
      throw err;
    }
  }
}

function sendText(reply: FastifyReply, body: string, type: string, cache: string) {
  return reply.header('content-type', type).header('cache-control', cache).send(body);
}
