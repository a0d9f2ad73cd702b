import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { MediaRow, MediaRowUpdate, MediaStatus, NewMediaRow } from '../db/schema.ts';
import { likePattern, type Cursor } from '../lib/cursor.ts';

export interface MediaListQuery {
  limit: number;
  after?: Cursor | undefined;
  status?: MediaStatus | undefined;
  search?: string | undefined;
}

/** Media rows. Every read and write is scoped by tenant: another tenant's id finds nothing. */
export class MediaRepository {
  constructor(private readonly db: Db) {}

  create(row: NewMediaRow): Promise<MediaRow> {
    return this.db.insertInto('media').values(row).returningAll().executeTakeFirstOrThrow();
  }

  get(tenantId: string, id: string): Promise<MediaRow | undefined> {
    return this.db
      .selectFrom('media')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Newest first; fetches limit + 1 rows so the caller knows whether another page exists. */
  list(tenantId: string, query: MediaListQuery): Promise<MediaRow[]> {
    let q = this.db.selectFrom('media').selectAll().where('tenant_id', '=', tenantId);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.search) {
      const pattern = likePattern(query.search);
      q = q.where(
        sql<boolean>`(lower(title) like ${pattern} escape '\\' or lower(description) like ${pattern} escape '\\' or lower(tags) like ${pattern} escape '\\')`,
      );
    }
    const after = query.after;
    if (after) {
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
        ]),
      );
    }
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
    return this.get(tenantId, id);
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
