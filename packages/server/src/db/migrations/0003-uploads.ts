import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tenants').addColumn('max_upload_bytes', 'bigint').execute();

  // Where a media's original lives, as uploaded or imported; kept for any later reprocessing.
  await db.schema.alterTable('media').addColumn('source_key', 'text').execute();
  await db.schema.alterTable('media').addColumn('source_size', 'bigint').execute();
  await db.schema.alterTable('media').addColumn('source_sha256', 'text').execute();
  await db.schema.alterTable('media').addColumn('source_filename', 'text').execute();

  await db.schema
    .createTable('uploads')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('media_id', 'text', (c) => c.notNull().references('media.id').onDelete('cascade'))
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('filename', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema.createIndex('uploads_media').on('uploads').column('media_id').execute();
  await db.schema.createIndex('uploads_open').on('uploads').columns(['completed_at', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('uploads').execute();
  for (const column of ['source_filename', 'source_sha256', 'source_size', 'source_key']) {
    await db.schema.alterTable('media').dropColumn(column).execute();
  }
  await db.schema.alterTable('tenants').dropColumn('max_upload_bytes').execute();
}
