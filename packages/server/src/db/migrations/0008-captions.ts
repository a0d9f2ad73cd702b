import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * Caption tracks of media, and their cues for search. The cue index is the one place where the
 * dialects differ: SQLite gets an FTS5 table kept in step by triggers, PostgreSQL a GIN index
 * over to_tsvector('simple', …). Both index `search_text`, which Kino case-folds itself, so that
 * "Ärger" matches "ärger" whatever the database's locale (PostgreSQL's lower() in the C locale
 * folds ASCII only).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('caption_tracks')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('media_id', 'text', (c) => c.notNull().references('media.id').onDelete('cascade'))
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('captions', 'subtitles')`))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('upload', 'extracted')`))
    // The source's subtitle stream (0-based among its subtitle streams) an extracted track came from.
    .addColumn('source_stream', 'integer')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('cue_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('caption_tracks_by_media')
    .on('caption_tracks')
    .columns(['media_id', 'created_at', 'id'])
    .execute();
  // Processing the same source again finds the tracks it extracted before.
  await db.schema
    .createIndex('caption_tracks_extracted')
    .on('caption_tracks')
    .columns(['media_id', 'source_stream'])
    .unique()
    .where(sql.ref('source_stream'), 'is not', null)
    .execute();

  await db.schema
    .createTable('caption_cues')
    // SQLite: an INTEGER PRIMARY KEY is the rowid, which the FTS5 index refers to.
    .addColumn('id', sqlite ? 'integer' : 'bigint', (c) =>
      sqlite ? c.primaryKey().notNull() : c.primaryKey().notNull().generatedByDefaultAsIdentity(),
    )
    .addColumn('track_id', 'text', (c) => c.notNull().references('caption_tracks.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('media_id', 'text', (c) => c.notNull())
    .addColumn('start_ms', 'bigint', (c) => c.notNull())
    .addColumn('end_ms', 'bigint', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('caption_cues_by_track')
    .on('caption_cues')
    .columns(['track_id', 'start_ms'])
    .execute();

  if (sqlite) {
    await sql`create virtual table caption_cues_fts using fts5(
      search_text, content='caption_cues', content_rowid='id', tokenize='unicode61 remove_diacritics 0')`.execute(
      db,
    );
    await sql`create trigger caption_cues_fts_insert after insert on caption_cues begin
      insert into caption_cues_fts(rowid, search_text) values (new.id, new.search_text);
    end`.execute(db);
    await sql`create trigger caption_cues_fts_delete after delete on caption_cues begin
      insert into caption_cues_fts(caption_cues_fts, rowid, search_text) values ('delete', old.id, old.search_text);
    end`.execute(db);
    await sql`create trigger caption_cues_fts_update after update on caption_cues begin
      insert into caption_cues_fts(caption_cues_fts, rowid, search_text) values ('delete', old.id, old.search_text);
      insert into caption_cues_fts(rowid, search_text) values (new.id, new.search_text);
    end`.execute(db);
  } else {
    await sql`create index caption_cues_search on caption_cues using gin (to_tsvector('simple', search_text))`.execute(
      db,
    );
    await db.schema.createIndex('caption_cues_by_tenant').on('caption_cues').columns(['tenant_id']).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    await sql`drop table if exists caption_cues_fts`.execute(db);
  }
  await db.schema.dropTable('caption_cues').execute();
  await db.schema.dropTable('caption_tracks').execute();
}
