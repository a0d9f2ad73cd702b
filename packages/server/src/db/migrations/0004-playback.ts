import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The published version: its storage prefix, the index file that lists what it serves, and a
  // summary of its renditions for the API. Publishing is one update of these columns.
  await db.schema.alterTable('media').addColumn('playback_prefix', 'text').execute();
  await db.schema.alterTable('media').addColumn('playback_index', 'text').execute();
  await db.schema.alterTable('media').addColumn('renditions', 'text').execute();
  await db.schema.alterTable('media').addColumn('progress_percent', 'double precision').execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signing_keys').execute();
  for (const column of ['progress_percent', 'renditions', 'playback_index', 'playback_prefix']) {
    await db.schema.alterTable('media').dropColumn(column).execute();
  }
}
