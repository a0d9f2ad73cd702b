import { sql, type ExpressionBuilder, type Insertable, type SqlBool } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Cursor } from '../db/keyset.ts';
import type { AnalyticsViewRow, AnalyticsViewsTable, Database } from '../db/schema.ts';

/** Which views a query reads: a tenant's (or every tenant's, for the operator), a period, maybe one media. */
export interface ViewScope {
  tenantId: string | undefined;
  from: number;
  to: number;
  mediaId?: string | undefined;
}

export interface ViewTotals {
  views: number;
  watchMs: number;
  playingMs: number;
  rebufferMs: number;
  rebufferCount: number;
  failures: number;
  startupFailures: number;
  exitsBeforeStart: number;
  startedViews: number;
}

export interface SeriesPoint extends ViewTotals {
  at: number;
}

const n = (value: unknown): number => Number(value ?? 0);

/** Per-view rows of playback analytics, and what the dashboards read from them. */
export class AnalyticsRepository {
  constructor(private readonly db: Db) {}

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
    const row = await this.scoped(scope).select(totalsSelection).executeTakeFirst();
    return toTotals(row);
  }

  /** Views per period of `bucketMs` (aligned to the epoch, UTC), oldest first. */
  async series(scope: ViewScope, bucketMs: number): Promise<SeriesPoint[]> {
    const at = sql<number>`(started_at - (started_at % ${sql.lit(bucketMs)}))`;
    const rows = await this.scoped(scope)
      .select(totalsSelection)
      .select(at.as('at'))
      .groupBy(at)
      .orderBy(at)
      .execute();
    return rows.map((r) => ({ ...toTotals(r), at: n(r.at) }));
  }

  /** Views per startup-time bucket (latency-histogram.ts), for percentiles. */
  async startupHistogram(scope: ViewScope): Promise<Map<number, number>> {
    const rows = await this.scoped(scope)
      .where('startup_bucket', 'is not', null)
      .select(['startup_bucket', sql<number>`count(*)`.as('views')])
      .groupBy('startup_bucket')
      .execute();
    return new Map(rows.map((r) => [n(r.startup_bucket), n(r.views)]));
  }

  async topMedia(
    scope: ViewScope,
    limit: number,
  ): Promise<{ mediaId: string; title: string; views: number; watchMs: number }[]> {
    const rows = await this.scoped(scope)
      .leftJoin('media', 'media.id', 'analytics_views.media_id')
      .select([
        'analytics_views.media_id as media_id',
        sql<string | null>`max(media.title)`.as('title'),
        sql<number>`count(*)`.as('views'),
        sql<number>`sum(coalesce(startup_ms, 0) + playing_ms + rebuffer_ms)`.as('watch_ms'),
      ])
      .groupBy('analytics_views.media_id')
      .orderBy('views', 'desc')
      .orderBy('analytics_views.media_id')
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
    const day = sql<number>`(started_at - (started_at % 86400000))`;
    const rows = await this.scoped(scope)
      .select(['tenant_id', day.as('day'), sql<number>`count(*)`.as('views')])
      .groupBy(['tenant_id', day])
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, day: n(r.day), views: n(r.views) }));
  }

  /** Retention: removes views that started before `before`; returns how many. */
  async deleteStartedBefore(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('analytics_views')
      .where('started_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private scoped(scope: ViewScope) {
    let query = this.db
      .selectFrom('analytics_views')
      .where('analytics_views.play_requested', '=', 1)
      .where('analytics_views.started_at', '>=', scope.from)
      .where('analytics_views.started_at', '<', scope.to);
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

function toTotals(row: Record<string, unknown> | undefined): ViewTotals {
  return {
    views: n(row?.views),
    watchMs: n(row?.watch_ms),
    playingMs: n(row?.playing_ms),
    rebufferMs: n(row?.rebuffer_ms),
    rebufferCount: n(row?.rebuffer_count),
    failures: n(row?.failures),
    startupFailures: n(row?.startup_failures),
    exitsBeforeStart: n(row?.exits_before_start),
    startedViews: n(row?.started_views),
  };
}
