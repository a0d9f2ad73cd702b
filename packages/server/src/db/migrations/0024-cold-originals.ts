import { sql, type Kysely } from 'kysely';

/**
 * Cold storage of originals: where each media's original is (`hot`; `cooling` while it is moved;
 * `cold`; `restoring` while the provider brings it back) and since when. A media without the time
 * counts from its creation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('media')
    .addColumn('original_tier', 'text', (c) =>
      c
        .notNull()
        .defaultTo('hot')
        .check(sqlIn('original_tier', ['hot', 'cooling', 'cold', 'restoring'])),
    )
    .execute();
  await db.schema.alterTable('media').addColumn('original_tier_at', 'bigint').execute();
  await db.schema
    .createIndex('media_by_original_tier')
    .on('media')
    .columns(['original_tier', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('media_by_original_tier').execute();
  await db.schema.alterTable('media').dropColumn('original_tier_at').execute();
  await db.schema.alterTable('media').dropColumn('original_tier').execute();
}

function sqlIn(column: string, values: string[]) {
  return sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);
}
