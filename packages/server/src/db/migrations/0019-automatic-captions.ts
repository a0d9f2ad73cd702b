import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * Automatic captions: a track made by a speech recogniser records its engine and model and stays
 * a `draft` (seen by editors, not by viewers or search) until published; a media may say which
 * language is spoken; a tenant chooses whether new media get machine captions (off, draft,
 * publish) and its default spoken language.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await allowAsrSourceOnSqlite(db);
  else {
    await sql`alter table caption_tracks drop constraint caption_tracks_source_check`.execute(db);
    await sql`alter table caption_tracks add constraint caption_tracks_source_check
              check (source in ('upload', 'extracted', 'asr'))`.execute(db);
  }
  await db.schema
    .alterTable('caption_tracks')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('published'))
    .execute();
  await db.schema.alterTable('caption_tracks').addColumn('engine', 'text').execute();
  await db.schema.alterTable('caption_tracks').addColumn('model', 'text').execute();
  await db.schema.alterTable('media').addColumn('language', 'text').execute();
  await db.schema
    .createTable('tenant_caption_settings')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('auto_captions', 'text', (c) => c.notNull().defaultTo('off'))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

const OLD_CHECK = "source in ('upload', 'extracted')";
const NEW_CHECK = "source in ('upload', 'extracted', 'asr')";

/**
 * SQLite cannot change a column's CHECK, so `caption_tracks` is rebuilt from its own definition
 * with the wider check, its indexes made again. Migrations run in one transaction with foreign
 * keys on, where dropping the table deletes its cues (ON DELETE CASCADE; the FTS triggers follow):
 * they are copied aside first and put back.
 */
async function allowAsrSourceOnSqlite(db: Kysely<unknown>): Promise<void> {
  const schema = await sql<{ type: string; name: string; sql: string | null }>`
    select type, name, sql from sqlite_master where tbl_name = 'caption_tracks'`.execute(db);
  const table = schema.rows.find((r) => r.type === 'table')?.sql ?? '';
  if (!table.includes(OLD_CHECK)) throw new Error('caption_tracks has an unexpected definition');
  const indexes = schema.rows.filter((r) => r.type === 'index' && r.sql).map((r) => r.sql ?? '');
  await sql`create table automatic_captions_cues as select * from caption_cues`.execute(db);
  const next = table
    .replace(OLD_CHECK, NEW_CHECK)
    .replace(/^CREATE TABLE\s+"?caption_tracks"?/i, 'CREATE TABLE "caption_tracks_next"');
  await sql.raw(next).execute(db);
  await sql`insert into caption_tracks_next select * from caption_tracks`.execute(db);
  await db.schema.dropTable('caption_tracks').execute();
  await sql`alter table caption_tracks_next rename to caption_tracks`.execute(db);
  for (const index of indexes) await sql.raw(index).execute(db);
  await sql`insert into caption_cues select * from automatic_captions_cues`.execute(db);
  await db.schema.dropTable('automatic_captions_cues').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('tenant_caption_settings').execute();
  await db.schema.alterTable('media').dropColumn('language').execute();
  await db.schema.alterTable('caption_tracks').dropColumn('model').execute();
  await db.schema.alterTable('caption_tracks').dropColumn('engine').execute();
  await db.schema.alterTable('caption_tracks').dropColumn('status').execute();
}
