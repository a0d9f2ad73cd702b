import type { Db } from '../db/database.ts';
import type { UploadRow } from '../db/schema.ts';

/** tus uploads and the media each one fills. */
export class UploadsRepository {
  constructor(private readonly db: Db) {}

  async create(row: UploadRow): Promise<UploadRow> {
    await this.db.insertInto('uploads').values(row).execute();
    return row;
  }

  get(id: string): Promise<UploadRow | undefined> {
    return this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Marks the upload complete; false when it already was (a finish seen twice does nothing). */
  async markCompleted(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('uploads')
      .set({ completed_at: now })
      .where('id', '=', id)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Unfinished uploads created before `before`: candidates for expiry. */
  listUnfinishedBefore(before: number, limit: number): Promise<UploadRow[]> {
    return this.db
      .selectFrom('uploads')
      .selectAll()
      .where('completed_at', 'is', null)
      .where('created_at', '<', before)
      .orderBy('created_at')
      .limit(limit)
      .execute();
  }

  /** Ids of the unfinished uploads of a tenant, or of one of its media: their bytes are still arriving. */
  async unfinishedIds(tenantId: string, mediaId?: string): Promise<string[]> {
    let q = this.db
      .selectFrom('uploads')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('completed_at', 'is', null);
    if (mediaId !== undefined) q = q.where('media_id', '=', mediaId);
    return (await q.execute()).map((r) => r.id);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }
}
