import type { Kysely } from 'kysely';

/**
 * Recordings (a browser recorder or a capture agent sends one in parts, per track), the parts
 * (each a tus upload), capture agents and their schedules. A recording's media waits while parts
 * arrive; `media.recovered` marks one completed as it was after its client stopped coming back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('media')
    .addColumn('recovered', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('recordings')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('media_id', 'text', (c) => c.notNull().references('media.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('tracks', 'text', (c) => c.notNull())
    .addColumn('recovered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('agent_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_byte_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('recordings_open')
    .on('recordings')
    .columns(['status', 'last_byte_at'])
    .execute();
  await db.schema
    .createTable('recording_parts')
    .addColumn('upload_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('track', 'text', (c) => c.notNull())
    .addColumn('part', 'integer', (c) => c.notNull())
    .addColumn('size', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .addUniqueConstraint('recording_parts_order', ['recording_id', 'track', 'part'])
    .execute();
  await db.schema
    .createTable('capture_agents')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('agent_version', 'text')
    .execute();
  await db.schema
    .createTable('capture_schedules')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('agent_id', 'text', (c) => c.notNull().references('capture_agents.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_seconds', 'integer', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('capture_schedules_agent')
    .on('capture_schedules')
    .columns(['agent_id', 'starts_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('capture_schedules').execute();
  await db.schema.dropTable('capture_agents').execute();
  await db.schema.dropTable('recording_parts').execute();
  await db.schema.dropTable('recordings').execute();
  await db.schema.alterTable('media').dropColumn('recovered').execute();
}
