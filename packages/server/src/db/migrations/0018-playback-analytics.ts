import type { Kysely } from 'kysely';

/**
 * Playback analytics: one row per view, folded from the player's beacons as they arrive
 * (analytics/view-fold.ts), and usage per tenant and day (bytes delivered by /play, minutes
 * processed, a snapshot of the bytes stored). No address is ever stored. Views go with their
 * tenant; usage per day stays (what a deleted tenant used is still what it used).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('analytics_views')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('media_id', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('beacon_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('player', 'text', (c) => c.notNull())
    .addColumn('browser', 'text', (c) => c.notNull())
    .addColumn('os', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('play_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('play_request_t', 'bigint')
    .addColumn('startup_ms', 'integer')
    .addColumn('startup_bucket', 'integer')
    .addColumn('playing_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rebuffer_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rebuffer_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rebuffer_open_t', 'bigint')
    .addColumn('seek_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rendition_switches', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bitrate_kbps_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('current_bitrate', 'integer')
    .addColumn('renditions', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('error_fatal', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_before_start', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ended', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_t', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cmcd_requests', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cmcd_throughput_kbps', 'integer')
    .addColumn('cmcd_top_bitrate_kbps', 'integer')
    .execute();
  await db.schema
    .createIndex('analytics_views_tenant_started')
    .on('analytics_views')
    .columns(['tenant_id', 'started_at'])
    .execute();
  await db.schema
    .createIndex('analytics_views_media_started')
    .on('analytics_views')
    .columns(['tenant_id', 'media_id', 'started_at'])
    .execute();
  await db.schema
    .createTable('usage_daily')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('delivered_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('processed_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('storage_bytes', 'bigint')
    .addPrimaryKeyConstraint('usage_daily_pk', ['tenant_id', 'day'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage_daily').execute();
  await db.schema.dropTable('analytics_views').execute();
}
