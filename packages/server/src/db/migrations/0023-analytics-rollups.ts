import type { Kysely } from 'kysely';

/**
 * Playback analytics at scale: per-view rows are summed per tenant, media and hour (the hour a
 * view started in) once no view of that hour can change any more, and dashboards read those sums
 * for the hours they cover. Each hour is also summed over every media of its tenant (media_id
 * ''), so a tenant's dashboard reads one row per hour whatever its number of media.
 *
 * The startup histogram is one row per (rollup, bucket) rather than a JSON column: merging hours
 * is then a SQL `sum ... group by bucket` on both SQLite and PostgreSQL, with no JSON functions
 * (which differ between them) and no parsing of every row in the process.
 *
 * `analytics_rollup_state` holds one row: every hour before `rolled_until` is rolled up. The
 * rollup job moves it one hour at a time in the transaction that writes that hour.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('analytics_rollups')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('media_id', 'text', (c) => c.notNull())
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('views', 'bigint', (c) => c.notNull())
    .addColumn('watch_ms', 'bigint', (c) => c.notNull())
    .addColumn('playing_ms', 'bigint', (c) => c.notNull())
    .addColumn('rebuffer_ms', 'bigint', (c) => c.notNull())
    .addColumn('rebuffer_count', 'bigint', (c) => c.notNull())
    .addColumn('failures', 'bigint', (c) => c.notNull())
    .addColumn('startup_failures', 'bigint', (c) => c.notNull())
    .addColumn('exits_before_start', 'bigint', (c) => c.notNull())
    .addColumn('started_views', 'bigint', (c) => c.notNull())
    .addColumn('bitrate_kbps_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('analytics_rollups_pk', ['tenant_id', 'media_id', 'hour'])
    .execute();
  await db.schema.createIndex('analytics_rollups_hour').on('analytics_rollups').column('hour').execute();
  await db.schema
    .createTable('analytics_rollup_buckets')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('media_id', 'text', (c) => c.notNull())
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('bucket', 'integer', (c) => c.notNull())
    .addColumn('views', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('analytics_rollup_buckets_pk', ['tenant_id', 'media_id', 'hour', 'bucket'])
    .execute();
  await db.schema
    .createIndex('analytics_rollup_buckets_hour')
    .on('analytics_rollup_buckets')
    .column('hour')
    .execute();
  await db.schema
    .createTable('analytics_rollup_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().notNull())
    .addColumn('rolled_until', 'bigint', (c) => c.notNull())
    .execute();
  // Views are now removed by hour once rolled up (KINO_ANALYTICS_VIEW_RETENTION).
  await db.schema.createIndex('analytics_views_started').on('analytics_views').column('started_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('analytics_views_started').execute();
  await db.schema.dropTable('analytics_rollup_state').execute();
  await db.schema.dropTable('analytics_rollup_buckets').execute();
  await db.schema.dropTable('analytics_rollups').execute();
}
