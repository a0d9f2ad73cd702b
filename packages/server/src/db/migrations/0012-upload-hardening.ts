import type { Kysely } from 'kysely';

/**
 * Upload hardening:
 * - `upload_locks`: one row per tus upload being written, held by one request of one process for
 *   a lease it renews; a process that dies leaves a row that expires, so another takes over.
 * - `upload_urls`: one-time direct upload URLs. Only the sha256 of the URL's token is stored; the
 *   upload it created is recorded, so the URL creates at most one and then authorizes that one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('upload_locks')
    .addColumn('upload_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    // Epoch milliseconds by the database's clock, so processes on hosts with skewed clocks agree.
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    // Set by a request waiting for the lock: the holder lets go when it sees it.
    .addColumn('release_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('upload_urls')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('media_id', 'text', (c) => c.notNull().references('media.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('max_size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('allowed_origin', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // The upload this URL created (it creates one at most); null until then.
    .addColumn('upload_id', 'text')
    .execute();
  await db.schema.createIndex('upload_urls_by_tenant').on('upload_urls').column('tenant_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('upload_urls').execute();
  await db.schema.dropTable('upload_locks').execute();
}
