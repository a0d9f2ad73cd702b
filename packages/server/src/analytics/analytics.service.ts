import type { AnalyticsViewRow } from '../db/schema.ts';
import type { BeaconGrantReading } from '../delivery/beacon-grant.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { ApiError } from '../http/problem.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { analyticsReport, bucketFor } from './analytics-report.ts';
import type { Beacon } from './beacon-schema.ts';
import type { CmcdJoin } from './cmcd-join.ts';
import { describeClient } from './client-description.ts';
import { VIEW_OPEN_MS } from './rollup-window.ts';
import { addTotals, NO_VIEWS, type ViewTotals } from './view-totals.ts';
import {
  beaconAllowance,
  exitedBeforeStart,
  foldBeacon,
  newView,
  startupBucket,
  watchTimeMs,
  type ViewState,
} from './view-fold.ts';

export interface AnalyticsDeps {
  repos: Pick<Repositories, 'analytics' | 'media'>;
  /** Checks beacon grants (delivery's PlaybackService). */
  grants: { readBeaconGrant(text: string): Promise<BeaconGrantReading> };
  cmcd: CmcdJoin;
  /** The viewer's country from their address, when the operator configured a database; the address is not kept. */
  countryOf?: ((ip: string) => string | null) | undefined;
  /** Called with each view as stored, for the fleet's metrics. */
  onView?: ((before: ViewState | null, after: ViewState) => void) | undefined;
  now?: () => number;
}

/** Who sent a beacon, as far as analytics keeps it. */
export interface BeaconClient {
  userAgent: string | undefined;
  ip: string;
}

const GRANT_REFUSALS: Record<Exclude<BeaconGrantReading, { ok: true }>['reason'], string> = {
  malformed: 'the beacon grant is not one Kino issued',
  unknown_key: 'the beacon grant is not one Kino issued',
  bad_signature: 'the beacon grant is not one Kino issued',
  expired: 'the beacon grant expired: load the media again',
};

/** Folds beacons into views and reads views back for dashboards. */
export class AnalyticsService {
  constructor(private readonly deps: AnalyticsDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /**
   * Takes one beacon: its grant must be valid and name the view's media, the view may not exceed
   * its beacon allowance, and its events are folded with Kino's clock as the bound. Two beacons
   * of one view at once (even in two processes) fold one after the other.
   */
  async ingest(beacon: Beacon, client: BeaconClient): Promise<void> {
    const reading = await this.deps.grants.readBeaconGrant(beacon.grant);
    if (!reading.ok) throw new ApiError('invalid_beacon_grant', GRANT_REFUSALS[reading.reason]);
    const { mediaId, tenantId } = reading.grant;
    const views = this.deps.repos.analytics;
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.now();
      const row = await views.view(beacon.view);
      if (!row) {
        // A grant outlives its media: a view of a media (or tenant) since deleted is not begun.
        if (attempt === 0 && !(await this.deps.repos.media.get(tenantId, mediaId))) {
          throw new ApiError('invalid_beacon_grant', 'the media of this grant no longer exists');
        }
        const state = foldBeacon(newView(now), beacon.events, now);
        const { browser, os } = describeClient(client.userAgent);
        const inserted = await views.insertView({
          id: beacon.view,
          tenant_id: tenantId,
          media_id: mediaId,
          player: playerName(beacon),
          browser,
          os,
          country: this.deps.countryOf?.(client.ip) ?? null,
          ...this.columns(state, beacon.view, mediaId, null),
        });
        if (inserted) {
          this.deps.onView?.(null, state);
          return;
        }
        continue;
      }
      if (row.media_id !== mediaId || row.tenant_id !== tenantId) {
        throw new ApiError('invalid_beacon_grant', 'the beacon grant is for another media than this view');
      }
      // A view is final VIEW_OPEN_MS after it began (its hour gets rolled up): later beacons are dropped.
      if (now - row.started_at > VIEW_OPEN_MS) return;
      if (row.beacon_count >= beaconAllowance(row.started_at, now)) {
        throw new ApiError('too_many_beacons', 'this view sent more beacons than a player sends');
      }
      const before = stateOf(row);
      const state = foldBeacon(before, beacon.events, now);
      if (await views.updateView(row.id, row.beacon_count, this.columns(state, row.id, mediaId, row))) {
        this.deps.onView?.(before, state);
        return;
      }
    }
    throw new ApiError('too_many_beacons', 'this view’s beacons arrive faster than they can be recorded');
  }

  private columns(state: ViewState, viewId: string, mediaId: string, row: AnalyticsViewRow | null) {
    const cmcd = this.deps.cmcd.take(viewId, mediaId);
    return {
      started_at: state.startedAt,
      updated_at: this.now(),
      beacon_count: state.beaconCount,
      play_requested: state.playRequested ? 1 : 0,
      play_request_t: state.playRequestT,
      startup_ms: state.startupMs,
      startup_bucket: startupBucket(state),
      playing_ms: Math.round(state.playingMs),
      rebuffer_count: state.rebufferCount,
      rebuffer_ms: Math.round(state.rebufferMs),
      rebuffer_open_t: state.rebufferOpenT,
      seek_count: state.seekCount,
      rendition_switches: state.renditionSwitches,
      bitrate_kbps_ms: Math.round(state.bitrateKbpsMs),
      current_bitrate: state.currentBitrate,
      renditions: JSON.stringify(state.renditions),
      error_code: state.error?.code ?? null,
      error_message: state.error?.message ?? null,
      error_fatal: state.error?.fatal ? 1 : 0,
      failed_before_start: state.failedBeforeStart ? 1 : 0,
      ended: state.ended ? 1 : 0,
      last_t: Math.round(state.lastT),
      cmcd_requests: (row?.cmcd_requests ?? 0) + (cmcd?.requests ?? 0),
      cmcd_throughput_kbps: cmcd?.throughputKbps ?? row?.cmcd_throughput_kbps ?? null,
      cmcd_top_bitrate_kbps: maxOf(cmcd?.topBitrateKbps, row?.cmcd_top_bitrate_kbps),
    };
  }

  /** The dashboard of a period: a tenant's (or, for the operator, every tenant's), maybe of one media. */
  async report(scope: {
    tenantId: string | undefined;
    mediaId?: string | undefined;
    from: number;
    to: number;
  }) {
    // No media has an empty id (rollups use it for the sums over every media of a tenant).
    if (scope.mediaId === '') throw new ApiError('not_found', 'media not found');
    if (scope.mediaId !== undefined && scope.tenantId !== undefined) {
      // Another tenant's media is as absent as a made-up one.
      if (!(await this.deps.repos.media.get(scope.tenantId, scope.mediaId)))
        throw new ApiError('not_found', 'media not found');
    }
    const analytics = this.deps.repos.analytics;
    const bucketMs = bucketFor(scope.from, scope.to);
    const [startupHistogram, series, topMedia] = await Promise.all([
      analytics.startupHistogram(scope),
      analytics.series(scope, bucketMs),
      scope.mediaId === undefined ? analytics.topMedia(scope, 10) : Promise.resolve([]),
    ]);
    // The period's totals are the sum of its series (one query fewer over the same rows).
    const totals = series.reduce<ViewTotals>((sum, point) => addTotals(sum, point), NO_VIEWS);
    return {
      ...analyticsReport({ from: scope.from, to: scope.to, bucketMs, totals, startupHistogram, series }),
      topMedia: topMedia.map((m) => ({
        mediaId: m.mediaId,
        title: m.title,
        views: m.views,
        watchTimeSeconds: Math.round(m.watchMs / 10) / 100,
      })),
    };
  }

  async views(
    scope: { tenantId: string | undefined; mediaId?: string | undefined },
    limit: number,
    cursor?: string,
  ) {
    if (scope.mediaId !== undefined && scope.tenantId !== undefined) {
      if (!(await this.deps.repos.media.get(scope.tenantId, scope.mediaId)))
        throw new ApiError('not_found', 'media not found');
    }
    const rows = await this.deps.repos.analytics.list(
      scope,
      limit + 1,
      cursor ? decodeCursor(cursor) : undefined,
    );
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(toViewJson),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ createdAt: last.started_at, id: last.id }) : null,
    };
  }
}

const maxOf = (a: number | null | undefined, b: number | null | undefined) =>
  a == null ? (b ?? null) : b == null ? a : Math.max(a, b);

function playerName(beacon: Beacon): string {
  const p = beacon.player;
  return p ? `${p.name}${p.version ? ` ${p.version}` : ''}` : 'unknown';
}

function stateOf(row: AnalyticsViewRow): ViewState {
  return {
    startedAt: row.started_at,
    beaconCount: row.beacon_count,
    playRequested: row.play_requested === 1,
    playRequestT: row.play_request_t === null ? null : row.play_request_t,
    startupMs: row.startup_ms,
    playingMs: row.playing_ms,
    rebufferCount: row.rebuffer_count,
    rebufferMs: row.rebuffer_ms,
    rebufferOpenT: row.rebuffer_open_t === null ? null : row.rebuffer_open_t,
    seekCount: row.seek_count,
    renditionSwitches: row.rendition_switches,
    bitrateKbpsMs: row.bitrate_kbps_ms,
    currentBitrate: row.current_bitrate,
    renditions: JSON.parse(row.renditions) as string[],
    error:
      row.error_code === null
        ? null
        : { code: row.error_code, message: row.error_message ?? '', fatal: row.error_fatal === 1 },
    failedBeforeStart: row.failed_before_start === 1,
    ended: row.ended === 1,
    lastT: row.last_t,
  };
}

export function toViewJson(row: AnalyticsViewRow) {
  const state = stateOf(row);
  return {
    id: row.id,
    mediaId: row.media_id,
    startedAt: new Date(row.started_at).toISOString(),
    startupTimeMs: row.startup_ms,
    watchTimeSeconds: Math.round(watchTimeMs(state) / 10) / 100,
    playingTimeSeconds: Math.round(state.playingMs / 10) / 100,
    rebufferCount: row.rebuffer_count,
    rebufferSeconds: Math.round(state.rebufferMs / 10) / 100,
    seekCount: row.seek_count,
    renditionSwitches: row.rendition_switches,
    renditions: state.renditions,
    averageBitrate: state.playingMs > 0 ? Math.round((state.bitrateKbpsMs / state.playingMs) * 1000) : null,
    error: state.error
      ? { code: state.error.code, message: state.error.message, fatal: state.error.fatal }
      : null,
    exitedBeforeStart: exitedBeforeStart(state),
    ended: state.ended,
    player: row.player,
    browser: row.browser,
    os: row.os,
    country: row.country,
    cmcd:
      row.cmcd_requests > 0
        ? {
            requests: row.cmcd_requests,
            throughputKbps: row.cmcd_throughput_kbps,
            topBitrateKbps: row.cmcd_top_bitrate_kbps,
          }
        : null,
  };
}
