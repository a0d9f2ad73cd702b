import type { Kysely } from 'kysely';

/**
 * Live streams and their broadcasts. A live stream is what an encoder publishes to (its key is kept
 * as a sha256 only); each broadcast is a media (`media.live_stream_id`) whose segments are listed in
 * `live_segments` as they arrive, one `live_periods` row per publisher session (a reconnect starts a
 * new period: a discontinuity in HLS, a new Period in DASH). The reconnect deadline and the process
 * that owns a running broadcast are columns, so the window holds when that process dies.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('live_streams')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('latency', 'text', (c) => c.notNull())
    .addColumn('ladder', 'text', (c) => c.notNull())
    .addColumn('reconnect_window_seconds', 'integer', (c) => c.notNull())
    .addColumn('dvr_window_seconds', 'integer', (c) => c.notNull())
    .addColumn('record', 'integer', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('active_media_id', 'text')
    .addColumn('reconnect_deadline', 'bigint')
    .addColumn('owner', 'text')
    .addColumn('owner_seen_at', 'bigint')
    .addColumn('last_error_code', 'text')
    .addColumn('last_error_message', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('live_streams_tenant')
    .on('live_streams')
    .columns(['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('live_streams_status').on('live_streams').columns(['status']).execute();
  await db.schema.alterTable('media').addColumn('live_stream_id', 'text').execute();
  await db.schema.alterTable('media').addColumn('live_status', 'text').execute();
  await db.schema
    .createIndex('media_live_stream')
    .on('media')
    .columns(['live_stream_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('live_periods')
    .addColumn('media_id', 'text', (c) => c.notNull().references('media.id').onDelete('cascade'))
    .addColumn('period', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('tracks', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('live_periods_pk', ['media_id', 'period'])
    .execute();
  await db.schema
    .createTable('live_segments')
    .addColumn('media_id', 'text', (c) => c.notNull().references('media.id').onDelete('cascade'))
    .addColumn('track', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('period', 'integer', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('live_segments_pk', ['media_id', 'track', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('live_segments').execute();
  await db.schema.dropTable('live_periods').execute();
  await db.schema.dropIndex('media_live_stream').execute();
  await db.schema.alterTable('media').dropColumn('live_status').execute();
  await db.schema.alterTable('media').dropColumn('live_stream_id').execute();
  await db.schema.dropTable('live_streams').execute();
}
