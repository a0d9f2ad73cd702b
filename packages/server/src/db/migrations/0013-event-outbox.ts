import type { Kysely } from 'kysely';

/**
 * The event outbox: one row per event (webhook type, tenant, the exact JSON body), written in the
 * transaction of the change it announces. A dispatcher turns each row into webhook deliveries and
 * marks it dispatched, so an event exists exactly when its change does and is never lost.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('dispatched_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('events_undispatched')
    .on('events')
    .columns(['dispatched_at', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('events').execute();
}
