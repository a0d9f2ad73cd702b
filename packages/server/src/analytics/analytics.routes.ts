import { z } from 'zod';
import { authErrors, timestamp, withNotFound } from '../http/common-schemas.ts';
import { tenantScopeOf } from '../http/access.ts';
import { ApiError, problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { allowCrossOrigin } from '../delivery/cors.ts';
import type { AnalyticsService } from './analytics.service.ts';
import { beaconSchema, MAX_BEACON_BYTES } from './beacon-schema.ts';
import { usageCsv, type UsageService } from './usage.service.ts';
import { utcDay } from './delivery-meter.ts';

const DAY_MS = 86_400_000;
/** The longest period one dashboard query covers. */
const MAX_PERIOD_DAYS = 400;

const figures = {
  views: z.number().int().describe('Views: playbacks the viewer asked for (play intent)'),
  watchTimeSeconds: z.number().describe('Startup, playing and rebuffering time, summed'),
  playingTimeSeconds: z.number(),
  rebufferCount: z.number().int(),
  rebufferSeconds: z.number(),
  rebufferPercent: z.number().describe('Rebuffering time over watch time, in percent'),
  playbackFailurePercent: z.number().describe('Views that ended in a fatal error, in percent'),
  videoStartupFailurePercent: z.number().describe('Views whose fatal error came before the first frame'),
  exitsBeforeVideoStartPercent: z.number().describe('Views left before the first frame, without an error'),
};

const reportSchema = z
  .object({
    from: timestamp,
    to: timestamp,
    ...figures,
    startupTimeMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
    bucketSeconds: z.number().int().describe('The width of each series point: an hour or a day'),
    series: z.array(z.object({ at: timestamp, ...figures })),
    topMedia: z.array(
      z.object({
        mediaId: z.string(),
        title: z.string(),
        views: z.number().int(),
        watchTimeSeconds: z.number(),
      }),
    ),
  })
  .meta({ id: 'AnalyticsReport' });

export const viewSchema = z
  .object({
    id: z.string(),
    mediaId: z.string(),
    startedAt: timestamp,
    startupTimeMs: z.number().int().nullable(),
    watchTimeSeconds: z.number(),
    playingTimeSeconds: z.number(),
    rebufferCount: z.number().int(),
    rebufferSeconds: z.number(),
    seekCount: z.number().int(),
    renditionSwitches: z.number().int(),
    renditions: z.array(z.string()).describe('WIDTHxHEIGHT@BITRATE of each rendition played'),
    averageBitrate: z.number().int().nullable().describe('Bits per second, weighted by time played'),
    error: z.object({ code: z.string(), message: z.string(), fatal: z.boolean() }).nullable(),
    exitedBeforeStart: z.boolean(),
    ended: z.boolean(),
    player: z.string(),
    browser: z.string(),
    os: z.string(),
    country: z.string().nullable(),
    cmcd: z
      .object({
        requests: z.number().int(),
        throughputKbps: z.number().int().nullable(),
        topBitrateKbps: z.number().int().nullable(),
      })
      .nullable()
      .describe('What the player said in CMCD query data on its /play requests'),
  })
  .meta({ id: 'View' });

const usageRowSchema = z
  .object({
    day: z.string().describe('UTC day, YYYY-MM-DD'),
    tenantId: z.string(),
    storageBytes: z
      .number()
      .nullable()
      .describe('Originals and renditions stored, as last measured on or before the day'),
    deliveredBytes: z.number().describe('Bytes /play answered with'),
    minutesProcessed: z.number(),
    views: z.number().int(),
  })
  .meta({ id: 'UsageDay' });

const periodQuery = {
  from: z.iso.datetime({ offset: true }).optional().describe('Default: 30 days before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('Default: now'),
};

function periodOf(query: { from?: string | undefined; to?: string | undefined }): {
  from: number;
  to: number;
} {
  const to = query.to ? Date.parse(query.to) : Date.now();
  const from = query.from ? Date.parse(query.from) : to - 30 * DAY_MS;
  if (!(from < to)) throw new ApiError('invalid_request', '`from` must come before `to`');
  if (to - from > MAX_PERIOD_DAYS * DAY_MS)
    throw new ApiError('invalid_request', `a period covers at most ${MAX_PERIOD_DAYS} days`);
  return { from, to };
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/**
 * Playback analytics: `POST /v1/beacons` (players, authorised by their session's beacon grant),
 * the dashboards' reads, and usage per day. Reads need a tenant's `media:read`, or the operator
 * (every tenant).
 */
export function analyticsRoutes(deps: { analytics: AnalyticsService; usage: UsageService }) {
  const { analytics, usage } = deps;
  return async (app: App) => {
    // navigator.sendBeacon sends a string as text/plain, which needs no CORS preflight.
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser(
      'text/plain',
      { parseAs: 'string', bodyLimit: MAX_BEACON_BYTES },
      (_request, body, done) => {
        try {
          done(null, JSON.parse(body as string));
        } catch {
          done(new ApiError('invalid_request', 'the beacon is not JSON'), undefined);
        }
      },
    );
    app.post(
      '/v1/beacons',
      {
        config: { access: 'public' },
        bodyLimit: MAX_BEACON_BYTES,
        schema: {
          tags: ['analytics'],
          summary:
            "A player's report of one view: events since its last beacon (text/plain or JSON, at most 16 KiB; CORS open)",
          security: [],
          body: beaconSchema,
          response: {
            204: z.null(),
            400: problemSchema,
            403: problemSchema,
            413: problemSchema,
            429: problemSchema,
          },
        },
      },
      async (request, reply) => {
        allowCrossOrigin(reply);
        await analytics.ingest(request.body, { userAgent: request.headers['user-agent'], ip: request.ip });
        return reply.code(204).header('cache-control', 'no-store').send(null);
      },
    );
    app.options(
      '/v1/beacons',
      { config: { access: 'public' }, schema: { hide: true } },
      (_request, reply) => {
        allowCrossOrigin(reply);
        return reply
          .code(204)
          .header('access-control-allow-methods', 'POST, OPTIONS')
          .header('access-control-allow-headers', 'content-type')
          .header('access-control-max-age', '86400')
          .send();
      },
    );

    const access = { operatorOr: 'media:read' } as const;
    app.get(
      '/v1/analytics',
      {
        config: { access },
        schema: {
          tags: ['analytics'],
          summary: 'Views and how they played over a period (a tenant’s, or every tenant’s for the operator)',
          querystring: z.object({ ...periodQuery, mediaId: z.string().max(64).optional() }),
          response: { 200: reportSchema, ...withNotFound },
        },
      },
      async (request) =>
        analytics.report({
          tenantId: tenantScopeOf(request),
          mediaId: request.query.mediaId,
          ...periodOf(request.query),
        }),
    );
    app.get(
      '/v1/media/:id/analytics',
      {
        config: { access },
        schema: {
          tags: ['analytics'],
          summary: 'Views of one media and how they played over a period',
          params: z.object({ id: z.string().max(64) }),
          querystring: z.object(periodQuery),
          response: { 200: reportSchema, ...withNotFound },
        },
      },
      async (request) =>
        analytics.report({
          tenantId: tenantScopeOf(request),
          mediaId: request.params.id,
          ...periodOf(request.query),
        }),
    );
    app.get(
      '/v1/analytics/views',
      {
        config: { access },
        schema: {
          tags: ['analytics'],
          summary: 'Views, newest first',
          querystring: z.object({
            mediaId: z.string().max(64).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(512).optional(),
          }),
          response: {
            200: z.object({ items: z.array(viewSchema), nextCursor: z.string().nullable() }),
            ...withNotFound,
          },
        },
      },
      async (request) =>
        analytics.views(
          { tenantId: tenantScopeOf(request), mediaId: request.query.mediaId },
          request.query.limit,
          request.query.cursor,
        ),
    );
    app.get(
      '/v1/usage',
      {
        config: { access },
        schema: {
          tags: ['analytics'],
          summary:
            'Usage per tenant and UTC day (storage, bytes delivered, minutes processed, views); CSV with format=csv',
          querystring: z.object({
            from: day.optional().describe('First day (YYYY-MM-DD); default: 30 days before `to`'),
            to: day.optional().describe('Last day; default: today'),
            format: z.enum(['json', 'csv']).default('json'),
          }),
          response: { 200: z.object({ items: z.array(usageRowSchema) }), ...authErrors },
        },
      },
      async (request, reply) => {
        const toDay = request.query.to ?? utcDay(Date.now());
        const fromDay = request.query.from ?? utcDay(Date.parse(`${toDay}T00:00:00Z`) - 29 * DAY_MS);
        const span = (Date.parse(`${toDay}T00:00:00Z`) - Date.parse(`${fromDay}T00:00:00Z`)) / DAY_MS;
        if (!(span >= 0) || span >= MAX_PERIOD_DAYS)
          throw new ApiError('invalid_request', `from..to must be 1 to ${MAX_PERIOD_DAYS} valid days`);
        const rows = await usage.report(tenantScopeOf(request), fromDay, toDay);
        if (request.query.format === 'csv') {
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="kino-usage-${fromDay}-${toDay}.csv"`)
            .serializer((payload: unknown) => payload as string)
            .send(usageCsv(rows) as never);
        }
        return { items: rows };
      },
    );
  };
}
