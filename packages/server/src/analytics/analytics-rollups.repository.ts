import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { toTotals, type SeriesPoint, type ViewTotals } from './view-totals.ts';
import type { TimeRange } from './rollup-window.ts';

/** Which rollups a query reads: a tenant's (or every tenant's), whole hours, maybe one media. */
export interface RollupScope extends TimeRange {
  tenantId: string | undefined;
  mediaId?: string | undefined;
}

/** The media_id of the rows that sum every media of a tenant. */
export const ALL_MEDIA = '';
const STATE_ID = 1;
const n = (value: unknown): number => Number(value ?? 0);

const sums = [
  'views',
  'watch_ms',
  'playing_ms',
  'rebuffer_ms',
  'rebuffer_count',
  'failures',
  'startup_failures',
  'exits_before_start',
  'started_views',
  'bitrate_kbps_ms',
] as const;

/**
 * Hourly sums of per-view rows (analytics_rollups, with the startup histogram in
 * analytics_rollup_buckets), written one hour per transaction by the rollup job, and read by
 * AnalyticsRepository for the closed hours of a period.
 */
export class AnalyticsRollupsRepository {
  constructor(private readonly db: Db) {}

  /** Every hour before this one is rolled up; null before the first rollup. */
  async rolledUntil(): Promise<number | null> {
    const row = await this.db
      .selectFrom('analytics_rollup_state')
      .select('rolled_until')
      .where('id', '=', STATE_ID)
      .executeTakeFirst();
    return row ? n(row.rolled_until) : null;
  }

  /** Starts rolling up at `hour` unless rollups already began. */
  async begin(hour: number): Promise<void> {
    await this.db
      .insertInto('analytics_rollup_state')
      .values({ id: STATE_ID, rolled_until: hour })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /**
   * Moves the mark from `from` to `to`; false when it is no longer at `from` (another run moved
   * it). In a transaction, the row stays locked until the end, so this comes first.
   */
  async advance(from: number, to: number): Promise<boolean> {
    const result = await this.db
      .updateTable('analytics_rollup_state')
      .set({ rolled_until: to })
      .where('id', '=', STATE_ID)
      .where('rolled_until', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** When the first view starting at or after `from` started; null when there is none. */
  async firstViewFrom(from: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('analytics_views')
      .select(sql<number | null>`min(started_at)`.as('first'))
      .where('started_at', '>=', from)
      .executeTakeFirst();
    return row?.first == null ? null : n(row.first);
  }

  /** Removes the rollups of hours in [from, to) (before they are written again). */
  async deleteHours(from: number, to: number): Promise<void> {
    await this.db
      .deleteFrom('analytics_rollup_buckets')
      .where('hour', '>=', from)
      .where('hour', '<', to)
      .execute();
    await this.db.deleteFrom('analytics_rollups').where('hour', '>=', from).where('hour', '<', to).execute();
  }

  /** Sums the views that started in the hour, per tenant and media. */
  async insertMediaHour(hour: number): Promise<void> {
    const inHour = this.db
      .selectFrom('analytics_views')
      .where('play_requested', '=', 1)
      .where('started_at', '>=', hour)
      .where('started_at', '<', hour + 3_600_000);
    await this.db
      .insertInto('analytics_rollups')
      .columns(['tenant_id', 'media_id', 'hour', ...sums])
      .expression(
        inHour
          .select([
            'tenant_id',
            'media_id',
            sql<number>`cast(${hour} as bigint)`.as('hour'),
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
            sql<number>`sum(bitrate_kbps_ms)`.as('bitrate_kbps_ms'),
          ])
          .groupBy(['tenant_id', 'media_id']),
      )
      .execute();
    await this.db
      .insertInto('analytics_rollup_buckets')
      .columns(['tenant_id', 'media_id', 'hour', 'bucket', 'views'])
      .expression(
        inHour
          .where('startup_bucket', 'is not', null)
          .select([
            'tenant_id',
            'media_id',
            sql<number>`cast(${hour} as bigint)`.as('hour'),
            sql<number>`startup_bucket`.as('bucket'),
            sql<number>`count(*)`.as('views'),
          ])
          .groupBy(['tenant_id', 'media_id', 'startup_bucket']),
      )
      .execute();
  }

  /** Sums an hour's media rows per tenant (media_id ''), so tenant-wide reads take one row per hour. */
  async insertTenantHour(hour: number): Promise<void> {
    const sumOf = (column: (typeof sums)[number]) => sql<number>`sum(${sql.ref(column)})`.as(column);
    await this.db
      .insertInto('analytics_rollups')
      .columns(['tenant_id', 'media_id', 'hour', ...sums])
      .expression(
        this.db
          .selectFrom('analytics_rollups')
          .where('hour', '=', hour)
          .where('media_id', '<>', ALL_MEDIA)
          .select(['tenant_id', sql<string>`''`.as('media_id'), 'hour', ...sums.map(sumOf)])
          .groupBy(['tenant_id', 'hour']),
      )
      .execute();
    await this.db
      .insertInto('analytics_rollup_buckets')
      .columns(['tenant_id', 'media_id', 'hour', 'bucket', 'views'])
      .expression(
        this.db
          .selectFrom('analytics_rollup_buckets')
          .where('hour', '=', hour)
          .where('media_id', '<>', ALL_MEDIA)
          .select(['tenant_id', sql<string>`''`.as('media_id'), 'hour', 'bucket', sumOf('views')])
          .groupBy(['tenant_id', 'hour', 'bucket']),
      )
      .execute();
  }

  /** Retention: removes the rollups of hours before `hour`; returns how many rows. */
  async deleteBefore(hour: number): Promise<number> {
    await this.db.deleteFrom('analytics_rollup_buckets').where('hour', '<', hour).execute();
    const result = await this.db.deleteFrom('analytics_rollups').where('hour', '<', hour).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async totals(scope: RollupScope): Promise<ViewTotals> {
    const row = await this.scoped(scope).select(totalsSelection()).executeTakeFirst();
    return toTotals(row);
  }

  /** Sums per period of `bucketMs` (a whole number of hours, aligned to the epoch). */
  async series(scope: RollupScope, bucketMs: number): Promise<SeriesPoint[]> {
    const at = sql<number>`(hour - (hour % ${sql.lit(bucketMs)}))`;
    const rows = await this.scoped(scope).select(totalsSelection()).select(at.as('at')).groupBy(at).execute();
    return rows.map((r) => ({ ...toTotals(r), at: n(r.at) }));
  }

  async startupHistogram(scope: RollupScope): Promise<Map<number, number>> {
    let query = this.db
      .selectFrom('analytics_rollup_buckets')
      .where('hour', '>=', scope.from)
      .where('hour', '<', scope.to)
      .where('media_id', '=', scope.mediaId ?? ALL_MEDIA);
    if (scope.tenantId !== undefined) query = query.where('tenant_id', '=', scope.tenantId);
    const rows = await query
      .select(['bucket', sql<number>`sum(views)`.as('views')])
      .groupBy('bucket')
      .execute();
    return new Map(rows.map((r) => [n(r.bucket), n(r.views)]));
  }

  /** Views per tenant and UTC day (milliseconds at midnight). */
  async viewsPerDay(scope: RollupScope): Promise<{ tenantId: string; day: number; views: number }[]> {
    const day = sql<number>`(hour - (hour % 86400000))`;
    const rows = await this.scoped(scope)
      .select(['tenant_id', day.as('day'), sql<number>`sum(views)`.as('views')])
      .groupBy(['tenant_id', day])
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, day: n(r.day), views: n(r.views) }));
  }

  /** Per media rows (not the tenant sums) of the scope: for top media. */
  mediaRows(scope: RollupScope) {
    let query = this.db
      .selectFrom('analytics_rollups')
      .where('hour', '>=', scope.from)
      .where('hour', '<', scope.to)
      .where('media_id', '<>', ALL_MEDIA);
    if (scope.tenantId !== undefined) query = query.where('tenant_id', '=', scope.tenantId);
    return query;
  }

  private scoped(scope: RollupScope) {
    let query = this.db
      .selectFrom('analytics_rollups')
      .where('hour', '>=', scope.from)
      .where('hour', '<', scope.to)
      .where('media_id', '=', scope.mediaId ?? ALL_MEDIA);
    if (scope.tenantId !== undefined) query = query.where('tenant_id', '=', scope.tenantId);
    return query;
  }
}

const totalsSelection = () => [
  sql<number>`sum(views)`.as('views'),
  sql<number>`sum(watch_ms)`.as('watch_ms'),
  sql<number>`sum(playing_ms)`.as('playing_ms'),
  sql<number>`sum(rebuffer_ms)`.as('rebuffer_ms'),
  sql<number>`sum(rebuffer_count)`.as('rebuffer_count'),
  sql<number>`sum(failures)`.as('failures'),
  sql<number>`sum(startup_failures)`.as('startup_failures'),
  sql<number>`sum(exits_before_start)`.as('exits_before_start'),
  sql<number>`sum(started_views)`.as('started_views'),
];
