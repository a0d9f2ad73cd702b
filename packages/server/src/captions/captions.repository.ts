import type { Db } from '../db/database.ts';
import type { CaptionTrackRow, NewCaptionTrackRow } from '../db/schema.ts';
import type { Cue } from './caption-cue.ts';
import { plainText } from './cue-markup.ts';
import { searchFold } from './search-text.ts';

/** Rows per insert: 8 columns each stays far below both databases' limit on parameters. */
const CUES_PER_INSERT = 500;

export type CaptionTrackChanges = Partial<
  Pick<
    CaptionTrackRow,
    | 'language'
    | 'label'
    | 'kind'
    | 'is_default'
    | 'revision'
    | 'storage_key'
    | 'cue_count'
    | 'updated_at'
    | 'status'
    | 'engine'
    | 'model'
  >
>;

/**
 * Caption tracks and their cues. Reads and writes are scoped by tenant and media, except the
 * lookup by media id alone that /play uses after its own checks. A track's cues are written
 * with it and replaced with its content; the search index follows them (SQLite: triggers into
 * FTS5; PostgreSQL: a GIN expression index; see caption-search.repository.ts).
 */
export class CaptionsRepository {
  constructor(private readonly db: Db) {}

  list(tenantId: string, mediaId: string): Promise<CaptionTrackRow[]> {
    return this.db
      .selectFrom('caption_tracks')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('media_id', '=', mediaId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** The published tracks of a media by its id alone, for /play (which has admitted the request already). */
  listForPlayback(mediaId: string): Promise<CaptionTrackRow[]> {
    return this.db
      .selectFrom('caption_tracks')
      .selectAll()
      .where('media_id', '=', mediaId)
      .where('status', '=', 'published')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  get(tenantId: string, mediaId: string, id: string): Promise<CaptionTrackRow | undefined> {
    return this.db
      .selectFrom('caption_tracks')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('media_id', '=', mediaId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The media's machine-made draft, which a new transcription replaces. */
  getAsrDraft(tenantId: string, mediaId: string): Promise<CaptionTrackRow | undefined> {
    return this.db
      .selectFrom('caption_tracks')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('media_id', '=', mediaId)
      .where('source', '=', 'asr')
      .where('status', '=', 'draft')
      .executeTakeFirst();
  }

  /** The track extracted from a subtitle stream of the media's source, if one was. */
  getExtracted(mediaId: string, sourceStream: number): Promise<CaptionTrackRow | undefined> {
    return this.db
      .selectFrom('caption_tracks')
      .selectAll()
      .where('media_id', '=', mediaId)
      .where('source_stream', '=', sourceStream)
      .executeTakeFirst();
  }

  async create(row: NewCaptionTrackRow, cues: readonly Cue[]): Promise<CaptionTrackRow> {
    const created = await this.db
      .insertInto('caption_tracks')
      .values(row)
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.insertCues(created, cues);
    return created;
  }

  /**
   * Changes a track whose revision is still `expectedRevision` (so two replacements at once do
   * not both win); with `cues`, its cues are replaced too. Undefined when the track is gone or
   * was changed meanwhile.
   */
  async update(
    track: CaptionTrackRow,
    expectedRevision: number,
    changes: CaptionTrackChanges,
    cues?: readonly Cue[],
  ): Promise<CaptionTrackRow | undefined> {
    const updated = await this.db
      .updateTable('caption_tracks')
      .set(changes)
      .where('id', '=', track.id)
      .where('tenant_id', '=', track.tenant_id)
      .where('revision', '=', expectedRevision)
      .returningAll()
      .executeTakeFirst();
    if (!updated) return undefined;
    if (cues) {
      await this.db.deleteFrom('caption_cues').where('track_id', '=', track.id).execute();
      await this.insertCues(updated, cues);
    }
    return updated;
  }

  /** Makes `trackId` the media's only default track (or, with null, leaves it without one). */
  async clearDefaults(mediaId: string, exceptTrackId: string | null): Promise<void> {
    let q = this.db
      .updateTable('caption_tracks')
      .set({ is_default: 0 })
      .where('media_id', '=', mediaId)
      .where('is_default', '=', 1);
    if (exceptTrackId) q = q.where('id', '!=', exceptTrackId);
    await q.execute();
  }

  async delete(tenantId: string, mediaId: string, id: string): Promise<CaptionTrackRow | undefined> {
    return this.db
      .deleteFrom('caption_tracks')
      .where('tenant_id', '=', tenantId)
      .where('media_id', '=', mediaId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  private async insertCues(track: CaptionTrackRow, cues: readonly Cue[]): Promise<void> {
    const rows = cues.map((cue) => {
      const text = plainText(cue.text);
      return {
        track_id: track.id,
        tenant_id: track.tenant_id,
        media_id: track.media_id,
        start_ms: cue.startMs,
        end_ms: cue.endMs,
        text,
        search_text: searchFold(text),
      };
    });
    for (let i = 0; i < rows.length; i += CUES_PER_INSERT) {
      await this.db
        .insertInto('caption_cues')
        .values(rows.slice(i, i + CUES_PER_INSERT))
        .execute();
    }
  }
}
