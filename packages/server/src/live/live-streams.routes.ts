import { z } from 'zod';
import type { PlaybackService } from '../delivery/playback.service.ts';
import { tenantOf } from '../http/access.ts';
import { baseUrlOf } from '../http/base-url.ts';
import { paginationQuery, timestamp, toIso, withNotFound } from '../http/common-schemas.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import type { App } from '../http/types.ts';
import { MAX_TOKEN_SECONDS } from '../media/playback-limits.ts';
import type { LiveStreamsService, LiveStreamView } from './live-streams.service.ts';

const livePlaybackSchema = z
  .object({ hls: z.string(), dash: z.string(), embed: z.string() })
  .meta({ id: 'LivePlayback' });

export const liveStreamSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    visibility: z.enum(['public', 'private']),
    status: z.enum(['idle', 'active', 'reconnecting', 'disabled']),
    latency: z.enum(['standard', 'low']),
    ladder: z.enum(['passthrough', 'abr']),
    reconnectWindowSeconds: z.number().int(),
    dvrWindowSeconds: z.number().int(),
    record: z.boolean(),
    streamKey: z
      .string()
      .optional()
      .describe('The secret key encoders publish with. Shown once: on create and on reset-stream-key'),
    ingest: z.object({
      rtmpServer: z.string().nullable().describe('What OBS calls "Server"'),
      rtmpUrl: z
        .string()
        .nullable()
        .describe('The server with the key appended (ffmpeg publishes to it); with the key only'),
      srtUrl: z
        .string()
        .nullable()
        .describe(
          'SRT ingest in caller mode, `srt://HOST:PORT?streamid=publish:<streamKey>` (OBS "Server"; ffmpeg publishes MPEG-TS to it); with the key only, null where this Kino takes no SRT',
        ),
    }),
    playback: livePlaybackSchema,
    activeMediaId: z.string().nullable(),
    recentMediaIds: z.array(z.string()),
    reconnectDeadline: timestamp.nullable(),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .describe('why the last publisher was refused'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'LiveStream' });

const settings = {
  title: z.string().max(200).optional(),
  visibility: z.enum(['public', 'private']).optional(),
  latency: z.enum(['standard', 'low']).optional(),
  ladder: z.enum(['passthrough', 'abr']).optional(),
  reconnectWindowSeconds: z.number().int().min(0).max(1800).optional(),
  dvrWindowSeconds: z
    .number()
    .int()
    .min(30)
    .max(12 * 3600)
    .optional(),
  record: z.boolean().optional(),
};

const idParams = z.object({ id: z.string().max(64) });

export interface LiveRoutesDeps {
  service: LiveStreamsService;
  playback: PlaybackService;
  publicUrl?: string | undefined;
  /** The RTMP port encoders publish to (null: no RTMP ingest), and the host they are told. */
  rtmpPort: () => number | null;
  /** The SRT port callers connect to (null: no SRT ingest). */
  srtPort: () => number | null;
  publicHost?: string | undefined;
}

/** A tenant's live streams (DESIGN "Contract: live streaming"). */
export function liveStreamsRoutes(deps: LiveRoutesDeps) {
  return async (app: App) => {
    const tags = ['live'];
    const toJson = (request: Parameters<typeof baseUrlOf>[0], view: LiveStreamView) => {
      const { row } = view;
      const base = baseUrlOf(request, deps.publicUrl);
      const host = deps.publicHost ?? request.hostname.replace(/:\d+$/, '');
      const port = deps.rtmpPort();
      const rtmpServer = port ? `rtmp://${host}:${port}/live` : null;
      const srtPort = deps.srtPort();
      return {
        id: row.id,
        title: row.title,
        visibility: row.visibility,
        status: row.enabled ? row.status : ('disabled' as const),
        latency: row.latency,
        ladder: row.ladder,
        reconnectWindowSeconds: row.reconnect_window_seconds,
        dvrWindowSeconds: row.dvr_window_seconds,
        record: row.record === 1,
        ...(view.streamKey !== undefined && { streamKey: view.streamKey }),
        ingest: {
          rtmpServer,
          rtmpUrl: rtmpServer && view.streamKey ? `${rtmpServer}/${view.streamKey}` : null,
          srtUrl: srtPort && view.streamKey ? srtUrlOf(host, srtPort, view.streamKey) : null,
        },
        playback: {
          hls: `${base}/play/live/${row.id}/master.m3u8`,
          dash: `${base}/play/live/${row.id}/manifest.mpd`,
          embed: `${base}/embed/live/${row.id}`,
        },
        activeMediaId: row.active_media_id,
        recentMediaIds: view.recentMediaIds,
        reconnectDeadline: row.reconnect_deadline === null ? null : toIso(row.reconnect_deadline),
        error: row.last_error_code
          ? { code: row.last_error_code, message: row.last_error_message ?? '' }
          : null,
        createdAt: toIso(row.created_at),
        updatedAt: toIso(row.updated_at),
      };
    };
    const one = { 200: liveStreamSchema, ...withNotFound };

    app.post(
      '/v1/live-streams',
      {
        config: { access: 'media:write' },
        schema: {
          tags,
          summary: 'Create a live stream',
          body: z.strictObject(settings).nullish(),
          response: { 201: liveStreamSchema, ...withNotFound },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(toJson(request, await deps.service.create(tenantOf(request), request.body ?? {}))),
    );
    app.get(
      '/v1/live-streams',
      {
        config: { access: 'media:read' },
        schema: {
          tags,
          summary: 'List live streams, newest first',
          querystring: z.object(paginationQuery),
          response: {
            200: z.object({ items: z.array(liveStreamSchema), nextCursor: z.string().nullable() }),
            ...withNotFound,
          },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await deps.service.list(
          tenantOf(request),
          limit,
          cursor ? decodeCursor(cursor) : undefined,
        );
        const page = toPage(rows, limit);
        return { items: page.items.map((v) => toJson(request, v)), nextCursor: page.nextCursor };
      },
    );
    app.get(
      '/v1/live-streams/:id',
      {
        config: { access: 'media:read' },
        schema: { tags, summary: 'A live stream', params: idParams, response: one },
      },
      async (request) => toJson(request, await deps.service.get(tenantOf(request), request.params.id)),
    );
    app.patch(
      '/v1/live-streams/:id',
      {
        config: { access: 'media:write' },
        schema: {
          tags,
          summary: "Change a live stream's settings",
          params: idParams,
          body: z.strictObject(settings),
          response: one,
        },
      },
      async (request) =>
        toJson(request, await deps.service.update(tenantOf(request), request.params.id, request.body)),
    );
    app.delete(
      '/v1/live-streams/:id',
      {
        config: { access: 'media:write' },
        schema: {
          tags,
          summary: 'Delete a live stream (its recordings stay)',
          params: idParams,
          response: { 204: z.null(), ...withNotFound },
        },
      },
      async (request, reply) => {
        await deps.service.remove(tenantOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
    const action = (
      path: string,
      summary: string,
      run: (tenantId: string, id: string) => Promise<LiveStreamView>,
    ) =>
      app.post(
        `/v1/live-streams/:id/${path}`,
        { config: { access: 'media:write' }, schema: { tags, summary, params: idParams, response: one } },
        async (request) => toJson(request, await run(tenantOf(request), request.params.id)),
      );
    action(
      'reset-stream-key',
      'A new stream key (shown once); a publisher using the old one is disconnected',
      (t, id) => deps.service.resetKey(t, id),
    );
    action('complete', 'End the current broadcast now, without waiting for a reconnect', (t, id) =>
      deps.service.complete(t, id),
    );
    action('disable', 'Refuse publishers (a running broadcast ends)', (t, id) =>
      deps.service.setEnabled(t, id, false),
    );
    action('enable', 'Take publishers again', (t, id) => deps.service.setEnabled(t, id, true));

    app.post(
      '/v1/live-streams/:id/playback-tokens',
      {
        config: { access: 'media:read' },
        schema: {
          tags,
          summary: "A signed, expiring token for the stream's broadcasts and the URLs that carry it",
          params: idParams,
          body: z
            .strictObject({ expiresInSeconds: z.number().int().min(10).max(MAX_TOKEN_SECONDS).default(3600) })
            .nullish(),
          response: {
            201: z.object({ token: z.string(), expiresAt: timestamp, playback: livePlaybackSchema }),
            ...withNotFound,
          },
        },
      },
      async (request, reply) => {
        const view = await deps.service.get(tenantOf(request), request.params.id);
        const expiresAt = Math.floor(Date.now() / 1000) + (request.body?.expiresInSeconds ?? 3600);
        const token = await deps.playback.signToken({ mediaId: view.row.id, expiresAt });
        const base = baseUrlOf(request, deps.publicUrl);
        return reply.code(201).send({
          token,
          expiresAt: new Date(expiresAt * 1000).toISOString(),
          playback: {
            hls: `${base}/play/t/${token}/live/${view.row.id}/master.m3u8`,
            dash: `${base}/play/t/${token}/live/${view.row.id}/manifest.mpd`,
            embed: `${base}/embed/live/${view.row.id}?token=${token}`,
          },
        });
      },
    );
  };
}

/** What SRT callers connect to: the stream id names the key to publish with (see docs/live.md). */
export function srtUrlOf(host: string, port: number, streamKey: string): string {
  return `srt://${host}:${port}?streamid=publish:${streamKey}`;
}
