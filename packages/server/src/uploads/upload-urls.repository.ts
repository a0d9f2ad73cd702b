import type { Db } from '../db/database.ts';
import type { Selectable } from 'kysely';
import type { UploadUrlsTable } from '../db/schema.ts';

export type UploadUrlRow = Selectable<UploadUrlsTable>;

/** One-time direct upload URLs, found by their token's hash. */
export class UploadUrlsRepository {
  constructor(private readonly db: Db) {}

  async create(row: UploadUrlRow): Promise<void> {
    await this.db.insertInto('upload_urls').values(row).execute();
  }

  byTokenHash(tokenHash: string): Promise<UploadUrlRow | undefined> {
    return this.db
      .selectFrom('upload_urls')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /** Records the one upload this URL creates; false when it already created one or has expired. */
  async claim(id: string, uploadId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('upload_urls')
      .set({ upload_id: uploadId })
      .where('id', '=', id)
      .where('upload_id', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Gives the URL back when the upload it claimed was never created (tus refused the creation). */
  async unclaim(id: string, uploadId: string): Promise<void> {
    await this.db
      .updateTable('upload_urls')
      .set({ upload_id: null })
      .where('id', '=', id)
      .where('upload_id', '=', uploadId)
      .execute();
  }
}
