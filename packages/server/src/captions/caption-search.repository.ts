import { sql } from 'kysely';
import type { Db, Dialect } from '../db/database.ts';
import type { MediaRow } from '../db/schema.ts';

/** One cue that matched a search, with the track it is in and how well it matched (higher is better). */
export interface CueHit {
  trackId: string;
  mediaId: string;
  language: string;
  startMs: number;
  endMs: number;
  text: string;
  score: number;
}

/** Search over the cue index that migration 0008 builds: FTS5 on SQLite, a GIN index on PostgreSQL. */
export class CaptionSearchRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  /**
   * The tenant's cues holding every term (each as a word prefix), best matches first: BM25 on
   * SQLite's FTS5 index, ts_rank on PostgreSQL's. Terms come from searchTerms (letters and
   * digits only). Drafts (machine captions not yet published) are never found.
   */
  async search(tenantId: string, terms: readonly string[], limit: number): Promise<CueHit[]> {
    if (terms.length === 0) return [];
    const rows =
      this.dialect === 'sqlite'
        ? await sql<HitRow>`
            select c.track_id, c.media_id, t.language, c.start_ms, c.end_ms, c.text,
                   -bm25(caption_cues_fts) as score
            from caption_cues_fts f
            join caption_cues c on c.id = f.rowid
            join caption_tracks t on t.id = c.track_id
            where caption_cues_fts match ${terms.map((t) => `"${t}"*`).join(' AND ')}
              and c.tenant_id = ${tenantId} and t.status = 'published'
            order by bm25(caption_cues_fts), c.start_ms
            limit ${limit}`.execute(this.db)
        : await sql<HitRow>`
            select c.track_id, c.media_id, t.language, c.start_ms, c.end_ms, c.text,
                   ts_rank(to_tsvector('simple', c.search_text), q) as score
            from caption_cues c
            join caption_tracks t on t.id = c.track_id
            cross join to_tsquery('simple', ${terms.map((t) => `'${t}':*`).join(' & ')}) q
            where c.tenant_id = ${tenantId} and t.status = 'published'
              and to_tsvector('simple', c.search_text) @@ q
            order by score desc, c.start_ms
            limit ${limit}`.execute(this.db);
    return rows.rows.map((r) => ({
      trackId: r.track_id,
      mediaId: r.media_id,
      language: r.language,
      startMs: Number(r.start_ms),
      endMs: Number(r.end_ms),
      text: r.text,
      score: Number(r.score),
    }));
  }

  /** Media rows of the tenant among `ids` (search results name them). */
  async media(tenantId: string, ids: readonly string[]): Promise<MediaRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('media')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...ids])
      .execute();
  }
}

interface HitRow {
  track_id: string;
  media_id: string;
  language: string;
  start_ms: number | string;
  end_ms: number | string;
  text: string;
  score: number | string;
}
