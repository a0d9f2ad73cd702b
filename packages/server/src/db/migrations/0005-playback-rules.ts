import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A tenant's playback rules (referrer domains, address lists) as one JSON document, validated on
  // read: /play reads it whole, and new kinds of rule need no new column. No row: no rules.
  await db.schema
    .createTable('tenant_playback_rules')
    .addColumn('tenant_id', 'text', (c) =>
      c.primaryKey().notNull().references('tenants.id').onDelete('cascade'),
    )
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('tenant_playback_rules').execute();
}
