import type { Kysely } from 'kysely';

/**
 * Scheduled backups: one row per run (its outcome, the backup it wrote, the bytes it added), so
 * every process reports the last backup's age in /metrics and the health page.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('backup_runs')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('backup_id', 'text')
    .addColumn('added_bytes', 'bigint')
    .addColumn('error', 'text')
    .execute();
  await db.schema
    .createIndex('backup_runs_by_status')
    .on('backup_runs')
    .columns(['status', 'finished_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('backup_runs').execute();
}
