import type { Kysely } from 'kysely';

/**
 * Loudness normalisation per media: when set, processing brings the sound to -16 LUFS (EBU R128
 * integrated). The measured loudness itself travels with the published renditions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('media')
    .addColumn('normalize_loudness', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
