import { sql, type Kysely } from 'kysely';

/**
 * API hygiene and tenant-signed playback:
 * - `idempotency_keys`: the first answer to a POST sent with an `Idempotency-Key`, for 24 hours;
 *   the primary key makes two concurrent requests with one key create one row (and one thing).
 * - tenant quotas (stored bytes, processed minutes) and the minutes processed so far.
 * - `media.search_text`: title, description and tags folded by Kino (NFKC, lower case), so search
 *   ignores case for every script on both databases (SQLite's lower() and LIKE fold ASCII only).
 * - `tenant_signing_keys`: public keys tenants sign their own playback tokens (JWT) with.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    // 'tenant:<id>' or 'operator': whose namespace the key is in.
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.references('tenants.id').onDelete('cascade'))
    // sha256 of the method, route and body: the same key with another request is refused.
    .addColumn('request_hash', 'text', (c) => c.notNull())
    // Null while the first request is still being answered.
    .addColumn('status_code', 'integer')
    .addColumn('content_type', 'text')
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_by_age')
    .on('idempotency_keys')
    .column('created_at')
    .execute();

  await db.schema.alterTable('tenants').addColumn('quota_storage_bytes', 'bigint').execute();
  await db.schema.alterTable('tenants').addColumn('quota_minutes', 'integer').execute();
  await db.schema
    .alterTable('tenants')
    .addColumn('processed_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .alterTable('media')
    .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  // Existing media get their folded text here, as media-search.ts folds it.
  const rows = await sql<{ id: string; title: string; description: string; tags: string }>`
    select id, title, description, tags from media`.execute(db);
  for (const row of rows.rows) {
    const text = [row.title, row.description, (JSON.parse(row.tags) as string[]).join(' ')]
      .join('\n')
      .normalize('NFKC')
      .toLowerCase();
    await sql`update media set search_text = ${text} where id = ${row.id}`.execute(db);
  }

  await db.schema
    .createTable('tenant_signing_keys')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull().check(sql`algorithm in ('RS256', 'ES256')`))
    .addColumn('public_key_pem', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('tenant_signing_keys_by_tenant')
    .on('tenant_signing_keys')
    .columns(['tenant_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('tenant_signing_keys').execute();
  await db.schema.alterTable('media').dropColumn('search_text').execute();
  await db.schema.alterTable('tenants').dropColumn('processed_ms').execute();
  await db.schema.alterTable('tenants').dropColumn('quota_minutes').execute();
  await db.schema.alterTable('tenants').dropColumn('quota_storage_bytes').execute();
  await db.schema.dropTable('idempotency_keys').execute();
}
