import { sql, type ExpressionBuilder, type Insertable, type SqlBool } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Cursor } from '../db/keyset.ts';
import type { AnalyticsViewRow, AnalyticsViewsTable, Database } from '../db/schema.ts';
import { AnalyticsRollupsRepository, type RollupScope } from './analytics-rollups.repository.ts';
import { splitPeriod, type TimeRange } from './rollup-window.ts';
import { addTotals, toTotals, type SeriesPoint, type ViewTotals } from './view-totals.ts';

export type { SeriesPoint, ViewTotals } from './view-totals.ts';

/** Which views a query reads: a tenant's (or every tenant's, for the operator), a period, maybe one media. */
export interface ViewScope {
  tenantId: string | undefined;
  from: number;
  to: number;
  mediaId?: string | undefined;
}

const n = (value: unknown): number => Number(value ?? 0);

/**
 * Per-view rows of playback analytics, and what the dashboards read: the hourly rollups for the
 * whole hours of a period that are rolled up, the per-view rows for the rest (the open edge, and
 * partial hours at the period's ends). The answers are the same as from per-view rows alone.
 */
export class AnalyticsRepository {
  private readonly rollups: AnalyticsRollupsRepository;

  constructor(private readonly db: Db) {
    this.rollups = new AnalyticsRollupsRepository(db);
  }

  async view(id: string): Promise<AnalyticsViewRow | undefined> {
    return this.db.selectFrom('analytics_views').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Creates a view; false when another beacon created it first. */
  async insertView(row: Insertable<AnalyticsViewsTable>): Promise<boolean> {
    const result = await this.db
      .insertInto('analytics_views')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * Writes a view's new figures if no other beacon was folded in since it was read (its beacon
   * count is still `seenCount`); false otherwise, and the caller folds again from a fresh read.
   */
  async updateView(
    id: string,
    seenCount: number,
    changes: Omit<Partial<AnalyticsViewRow>, 'id' | 'tenant_id' | 'media_id'>,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('analytics_views')
      .set(changes)
      .where('id', '=', id)
      .where('beacon_count', '=', seenCount)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async totals(scope: ViewScope): Promise<ViewTotals> {
    const { rollups, views } = await this.split(scope);
    const [fromRollups, fromViews] = await Promise.all([
      rollups ? this.rollups.totals(rollups) : undefined,
      views.length > 0 ? this.scoped(scope, views).select(totalsSelection).executeTakeFirst() : undefined,
    ]);
    return addTotals(toTotals(fromViews), fromRollups);
  }

  /** Views per period of `bucketMs` (aligned to the epoch, UTC; a whole number of hours), oldest first. */
  async series(scope: ViewScope, bucketMs: number): Promise<SeriesPoint[]> {
    const { rollups, views } = await this.split(scope);
    const at = sql<number>`(started_at - (started_at % ${sql.lit(bucketMs)}))`;
    const [fromRollups, fromViews] = await Promise.all([
      rollups ? this.rollups.series(rollups, bucketMs) : [],
      views.length > 0
        ? this.scoped(scope, views).select(totalsSelection).select(at.as('at')).groupBy(at).execute()
        : [],
    ]);
    const points = new Map<number, SeriesPoint>();
    for (const point of [...fromRollups, ...fromViews.map((r) => ({ ...toTotals(r), at: n(r.at) }))]) {
      const seen = points.get(point.at);
      points.set(point.at, seen ? { ...addTotals(seen, point), at: point.at } : point);
    }
    return [...points.values()].sort((a, b) => a.at - b.at);
  }

  /** Views per startup-time bucket (latency-histogram.ts), for percentiles. */
  async startupHistogram(scope: ViewScope): Promise<Map<number, number>> {
    const { rollups, views } = await this.split(scope);
    const [fromRollups, fromViews] = await Promise.all([
      rollups ? this.rollups.startupHistogram(rollups) : new Map<number, number>(),
      views.length > 0
        ? this.scoped(scope, views)
            .where('startup_bucket', 'is not', null)
            .select(['startup_bucket', sql<number>`count(*)`.as('views')])
            .groupBy('startup_bucket')
            .execute()
        : [],
    ]);
    const counts = new Map(fromRollups);
    for (const r of fromViews) {
      const bucket = n(r.startup_bucket);
      counts.set(bucket, (counts.get(bucket) ?? 0) + n(r.views));
    }
    return counts;
  }

  async topMedia(
    scope: ViewScope,
    limit: number,
  ): Promise<{ mediaId: string; title: string; views: number; watchMs: number }[]> {
    const { rollups, views } = await this.split(scope);
    const none: RollupScope = { tenantId: scope.tenantId, from: 0, to: 0 };
    // Each part is summed per media before the union, so the join and the sort see one row per media.
    const fromRollups = this.rollups
      .mediaRows(rollups ?? none)
      .select(['media_id', sql<number>`sum(views)`.as('views'), sql<number>`sum(watch_ms)`.as('watch_ms')])
      .groupBy('media_id');
    const fromViews = this.scoped(scope, views.length > 0 ? views : [{ from: 0, to: 0 }])
      .select([
        'analytics_views.media_id as media_id',
        sql<number>`count(*)`.as('views'),
        sql<number>`sum(coalesce(startup_ms, 0) + playing_ms + rebuffer_ms)`.as('watch_ms'),
      ])
      .groupBy('analytics_views.media_id');
    const rows = await this.db
      .selectFrom(fromRollups.unionAll(fromViews).as('m'))
      .leftJoin('media', 'media.id', 'm.media_id')
      .select([
        'm.media_id as media_id',
        sql<string | null>`max(media.title)`.as('title'),
        sql<number>`sum(m.views)`.as('views'),
        sql<number>`sum(m.watch_ms)`.as('watch_ms'),
      ])
      .groupBy('m.media_id')
      .orderBy('views', 'desc')
      .orderBy('m.media_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      mediaId: r.media_id,
      title: r.title ?? '',
      views: n(r.views),
      watchMs: n(r.watch_ms),
    }));
  }

  /** Views newest first, after a cursor over (started_at, id). */
  async list(
    scope: { tenantId: string | undefined; mediaId?: string | undefined },
    limit: number,
    after?: Cursor,
  ): Promise<AnalyticsViewRow[]> {
    let query = this.db.selectFrom('analytics_views').selectAll().where('play_requested', '=', 1);
    if (scope.tenantId !== undefined) query = query.where('tenant_id', '=', scope.tenantId);
    if (scope.mediaId !== undefined) query = query.where('media_id', '=', scope.mediaId);
    if (after) {
      query = query.where(
        sql<SqlBool>`(started_at < ${after.createdAt} or (started_at = ${after.createdAt} and id < ${after.id}))`,
      );
    }
    return query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** Views per tenant and UTC day (milliseconds at midnight). */
  async viewsPerDay(scope: ViewScope): Promise<{ tenantId: string; day: number; views: number }[]> {
    const { rollups, views } = await this.split(scope);
    const day = sql<number>`(started_at - (started_at % 86400000))`;
    const [fromRollups, fromViews] = await Promise.all([
      rollups ? this.rollups.viewsPerDay(rollups) : [],
      views.length > 0
        ? this.scoped(scope, views)
            .select(['tenant_id', day.as('day'), sql<number>`count(*)`.as('views')])
            .groupBy(['tenant_id', day])
            .execute()
        : [],
    ]);
    const perDay = new Map<string, { tenantId: string; day: number; views: number }>();
    const rows = [
      ...fromRollups,
      ...fromViews.map((v) => ({ tenantId: v.tenant_id, day: n(v.day), views: n(v.views) })),
    ];
    for (const r of rows) {
      const key = `${r.tenantId} ${r.day}`;
      const seen = perDay.get(key);
      if (seen) seen.views += r.views;
      else perDay.set(key, { ...r });
    }
    return [...perDay.values()];
  }

  /** Retention: removes views that started before `before`; returns how many. */
  async deleteStartedBefore(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('analytics_views')
      .where('started_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The part of a period read from rollups (whole hours rolled up) and the ranges read from views. */
  private async split(scope: ViewScope): Promise<{ rollups: RollupScope | null; views: TimeRange[] }> {
    const { rollups, views } = splitPeriod(scope, await this.rollups.rolledUntil());
    return {
      rollups: rollups && { tenantId: scope.tenantId, mediaId: scope.mediaId, ...rollups },
      views,
    };
  }

  private scoped(scope: ViewScope, ranges: readonly TimeRange[]) {
    let query = this.db
      .selectFrom('analytics_views')
      .where('analytics_views.play_requested', '=', 1)
      .where((eb) =>
        eb.or(
          ranges.map((r) =>
            eb.and([
              eb('analytics_views.started_at', '>=', r.from),
              eb('analytics_views.started_at', '<', r.to),
            ]),
          ),
        ),
      );
    if (scope.tenantId !== undefined) query = query.where('analytics_views.tenant_id', '=', scope.tenantId);
    if (scope.mediaId !== undefined) query = query.where('analytics_views.media_id', '=', scope.mediaId);
    return query;
  }
}

const totalsSelection = (_eb: ExpressionBuilder<Database, 'analytics_views'>) => [
  sql<number>`count(*)`.as('views'),
  sql<number>`sum(coalesce(startup_ms, 0) + playing_ms + rebuffer_ms)`.as('watch_ms'),
  sql<number>`sum(playing_ms)`.as('playing_ms'),
  sql<number>`sum(rebuffer_ms)`.as('rebuffer_ms'),
  sql<number>`sum(rebuffer_count)`.as('rebuffer_count'),
  sql<number>`sum(case when error_fatal = 1 then 1 else 0 end)`.as('failures'),
  sql<number>`sum(case when error_fatal = 1 and failed_before_start = 1 then 1 else 0 end)`.as(
    'startup_failures',
  ),
  sql<number>`sum(case when startup_ms is null and error_fatal = 0 and ended = 1 then 1 else 0 end)`.as(
    'exits_before_start',
  ),
  sql<number>`sum(case when startup_ms is not null then 1 else 0 end)`.as('started_views'),
];
