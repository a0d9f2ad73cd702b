import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { SsoRequestsTable, TenantSsoTable } from '../db/schema.ts';

export type TenantSsoRow = Selectable<TenantSsoTable>;
export type SsoRequestRow = Selectable<SsoRequestsTable>;

/** Tenants' single sign-on settings and the sign-ins sent to their identity providers. */
export class SsoRepository {
  constructor(private readonly db: Db) {}

  get(tenantId: string): Promise<TenantSsoRow | undefined> {
    return this.db.selectFrom('tenant_sso').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  }

  /** Every tenant's settings: the sign-in page finds a tenant by email domain (tenants are few). */
  listAll(): Promise<TenantSsoRow[]> {
    return this.db.selectFrom('tenant_sso').selectAll().orderBy('tenant_id', 'asc').execute();
  }

  async put(row: TenantSsoRow): Promise<void> {
    await this.db
      .insertInto('tenant_sso')
      .values(row)
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({ oidc: row.oidc, saml: row.saml, updated_at: row.updated_at }),
      )
      .execute();
  }

  async addRequest(row: SsoRequestRow): Promise<void> {
    await this.db.insertInto('sso_requests').values(row).execute();
  }

  getRequest(state: string): Promise<SsoRequestRow | undefined> {
    return this.db.selectFrom('sso_requests').selectAll().where('state', '=', state).executeTakeFirst();
  }

  /** Marks a sign-in request used; false when it already was (a replayed callback). */
  async useRequest(state: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('sso_requests')
      .set({ used_at: now })
      .where('state', '=', state)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async pruneRequests(before: number): Promise<void> {
    await this.db.deleteFrom('sso_requests').where('expires_at', '<', before).execute();
  }
}
