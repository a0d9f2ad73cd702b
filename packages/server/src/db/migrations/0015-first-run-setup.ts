import type { Kysely } from 'kysely';

/**
 * First-run setup codes: the hash of each one-time code an API process printed at start while no
 * one had set Kino up. Creating the first administrator marks every code used, so none works again
 * and no process issues another.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('setup_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey().notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('setup_codes').execute();
}
