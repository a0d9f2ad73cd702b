import { sql } from 'kysely';
import { olderThan } from '../db/keyset.ts';
import type { Db } from '../db/database.ts';
import type { MediaRow, MediaRowUpdate, MediaStatus, NewMediaRow } from '../db/schema.ts';
import type { Cursor } from '../lib/cursor.ts';
import { mediaSearchText, searchPattern } from './media-search.ts';

export interface MediaListQuery {
  limit: number;
  after?: Cursor | undefined;
  status?: MediaStatus | undefined;
  search?: string | undefined;
}

/** The index file of a complete version (the first playable one is `index-playable.json`). */
const FULL_INDEX = 'index.json';

/** Media rows. Every read and write is scoped by tenant: another tenant's id finds nothing. */
export class MediaRepository {
  constructor(private readonly db: Db) {}

  create(row: NewMediaRow): Promise<MediaRow> {
    return this.db
      .insertInto('media')
      .values({ ...row, search_text: mediaSearchText(row) })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  get(tenantId: string, id: string): Promise<MediaRow | undefined> {
    return this.db
      .selectFrom('media')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** A media by id alone, for the unauthenticated /play routes (which check tokens themselves). */
  getForPlayback(id: string): Promise<MediaRow | undefined> {
    return this.db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; fetches limit + 1 rows so the caller knows whether another page exists. */
  list(tenantId: string, query: MediaListQuery): Promise<MediaRow[]> {
    let q = this.db.selectFrom('media').selectAll().where('tenant_id', '=', tenantId);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.search) {
      q = q.where(sql<boolean>`search_text like ${searchPattern(query.search)} escape '\\'`);
    }
    if (query.after) q = q.where(olderThan(query.after));
    return q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
  }

  async update(tenantId: string, id: string, changes: MediaRowUpdate): Promise<MediaRow | undefined> {
    await this.db
      .updateTable('media')
      .set(changes)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
    const row = await this.get(tenantId, id);
    const searched =
      changes.title !== undefined || changes.description !== undefined || changes.tags !== undefined;
    if (!row || !searched) return row;
    const search_text = mediaSearchText(row);
    await this.db
      .updateTable('media')
      .set({ search_text })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
    return { ...row, search_text };
  }

  /**
   * Applies `changes` only while the media has a complete version published (its index is the
   * full `index.json`, not only the first playable one); undefined when it has none.
   */
  async updateIfFullyPublished(
    tenantId: string,
    id: string,
    changes: MediaRowUpdate,
  ): Promise<MediaRow | undefined> {
    const result = await this.db
      .updateTable('media')
      .set(changes)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('playback_index', '=', FULL_INDEX)
      .where('playback_prefix', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0 ? this.get(tenantId, id) : undefined;
  }

  /**
   * Media left `processing` with no unfinished processing or import job (its worker died on the
   * last attempt, or the job was cancelled) end `errored`, so nothing stays "converting" forever.
   * One without an original stopped while importing; one with a complete version published (a
   * reprocess that stopped) goes back to `ready`, that version playing.
   */
  async failAbandoned(updatedBefore: number, now: number): Promise<number> {
    const importing = sql<boolean>`source_key is null`;
    const published = sql<boolean>`playback_index = ${FULL_INDEX} and playback_prefix is not null`;
    const result = await this.db
      .updateTable('media')
      .set({
        status: sql<MediaStatus>`case when ${published} then 'ready' else 'errored' end`,
        error_code: sql<string>`case when ${importing} then 'import_failed' else 'processing_failed' end`,
        // The same words as a reprocess that failed on its own (processing-steps.ts recordFailure).
        error_message: sql<string>`case when ${importing}
          then 'The import stopped before it finished; create the media again to retry.'
          when ${published}
          then 'Reprocessing stopped before it finished; the previous version keeps playing. Reprocess the media to try again.'
          else 'Processing stopped before it finished; reprocess the media to try again.' end`,
        updated_at: now,
      })
      .where('status', '=', 'processing')
      .where('updated_at', '<', updatedBefore)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('jobs')
              .select('jobs.id')
              .where('jobs.idempotency_key', 'in', [
                sql<string>`'media:' || media.id || ':process'`,
                sql<string>`'media:' || media.id || ':encode'`,
                sql<string>`'media:' || media.id || ':import'`,
              ])
              .where('jobs.state', 'in', ['available', 'running', 'retrying']),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** The storage keys of a tenant's originals. */
  async sourceKeys(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('media')
      .select('source_key')
      .where('tenant_id', '=', tenantId)
      .where('source_key', 'is not', null)
      .execute();
    return rows.flatMap((r) => (r.source_key ? [r.source_key] : []));
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('media')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
