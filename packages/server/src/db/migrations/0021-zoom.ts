import type { Kysely } from 'kysely';

/**
 * Zoom import: one Zoom app (Server-to-Server OAuth) per tenant with its rules, the Zoom
 * recordings already imported (one media per recording file, whatever arrives twice), and the
 * webhook requests already accepted (a replayed request is refused).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('zoom_connections')
    .addColumn('tenant_id', 'text', (c) =>
      c.primaryKey().notNull().references('tenants.id').onDelete('cascade'),
    )
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    // AES-256-GCM sealed (zoom/secret-box.ts); never returned by the API.
    .addColumn('client_secret_sealed', 'text', (c) => c.notNull())
    .addColumn('webhook_secret_sealed', 'text', (c) => c.notNull())
    // JSON: { topicContains?, hostEmails?, minDurationMinutes?, visibility }
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('zoom_recordings')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('recording_file_id', 'text', (c) => c.notNull())
    .addColumn('media_id', 'text', (c) => c.notNull())
    .addColumn('meeting_uuid', 'text', (c) => c.notNull())
    .addColumn('meeting_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('host_email', 'text')
    .addColumn('start_time', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('zoom_recordings_pk', ['tenant_id', 'recording_file_id'])
    .execute();
  await db.schema
    .createTable('zoom_webhook_receipts')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    // SHA-256 of the request's signature: the same signed request twice is a replay.
    .addColumn('signature_hash', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('zoom_webhook_receipts_pk', ['tenant_id', 'signature_hash'])
    .execute();
  await db.schema
    .createIndex('zoom_webhook_receipts_received')
    .on('zoom_webhook_receipts')
    .column('received_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('zoom_webhook_receipts').execute();
  await db.schema.dropTable('zoom_recordings').execute();
  await db.schema.dropTable('zoom_connections').execute();
}
