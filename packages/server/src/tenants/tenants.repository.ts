import { olderThan } from '../db/keyset.ts';
import type { Db } from '../db/database.ts';
import type { NewTenantRow, TenantRow } from '../db/schema.ts';

export class TenantsRepository {
  constructor(private readonly db: Db) {}

  create(row: NewTenantRow): Promise<TenantRow> {
    return this.db.insertInto('tenants').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async setMaxUploadBytes(id: string, bytes: number | null, now: number): Promise<void> {
    await this.db
      .updateTable('tenants')
      .set({ max_upload_bytes: bytes, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  /** Deletes the tenant; its media, uploads, keys, users, webhooks and jobs go with it (cascade). */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  get(id: string): Promise<TenantRow | undefined> {
    return this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(limit: number, after?: { createdAt: number; id: string }): Promise<TenantRow[]> {
    let q = this.db.selectFrom('tenants').selectAll();
    if (after) {
      q = q.where(olderThan(after));
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }
}
