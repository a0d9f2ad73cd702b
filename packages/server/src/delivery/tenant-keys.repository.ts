import type { Db } from '../db/database.ts';
import type { TenantKeyAlgorithm } from '../db/schema.ts';

export interface TenantKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  algorithm: TenantKeyAlgorithm;
  public_key_pem: string;
  created_at: number;
}

/** Public keys tenants sign their own playback tokens with. Scoped by tenant, except the lookup by kid. */
export class TenantKeysRepository {
  constructor(private readonly db: Db) {}

  async create(row: TenantKeyRow): Promise<TenantKeyRow> {
    await this.db
      .insertInto('tenant_signing_keys')
      .values({ ...row, revoked_at: null })
      .execute();
    return row;
  }

  list(tenantId: string): Promise<TenantKeyRow[]> {
    return this.db
      .selectFrom('tenant_signing_keys')
      .select(['id', 'tenant_id', 'name', 'algorithm', 'public_key_pem', 'created_at'])
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /** A key that may verify tokens, by the `kid` a token names (whose tenant the caller checks). */
  active(id: string): Promise<TenantKeyRow | undefined> {
    return this.db
      .selectFrom('tenant_signing_keys')
      .select(['id', 'tenant_id', 'name', 'algorithm', 'public_key_pem', 'created_at'])
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  async revoke(tenantId: string, id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('tenant_signing_keys')
      .set({ revoked_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
