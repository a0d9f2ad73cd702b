import type { Db } from '../db/database.ts';
import type { ApiKeyRow } from '../db/schema.ts';

export class ApiKeysRepository {
  constructor(private readonly db: Db) {}

  async create(row: ApiKeyRow): Promise<ApiKeyRow> {
    await this.db.insertInto('api_keys').values(row).execute();
    return row;
  }

  /** The key with this id if it exists and is not revoked (any tenant: this is how a key is found). */
  findActive(keyId: string): Promise<ApiKeyRow | undefined> {
    return this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', keyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  listForTenant(tenantId: string): Promise<ApiKeyRow[]> {
    return this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  getForTenant(tenantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
    return this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', keyId)
      .executeTakeFirst();
  }

  /** Revokes a key of this tenant; false when the tenant has no such key. Revoking twice is fine. */
  async revoke(tenantId: string, keyId: string, now: number): Promise<boolean> {
    const key = await this.getForTenant(tenantId, keyId);
    if (!key) return false;
    await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', keyId)
      .where('revoked_at', 'is', null)
      .execute();
    return true;
  }

  /** Records use at most once a minute per key, so authentication is not a write per request. */
  async touch(keyId: string, now: number): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ last_used_at: now })
      .where('id', '=', keyId)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now - 60_000)]))
      .execute();
  }
}
