import type { Selectable, Updateable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { LtiPlatformsTable } from '../db/schema.ts';

export type LtiPlatformRow = Selectable<LtiPlatformsTable>;
export type LtiPlatformChanges = Omit<Updateable<LtiPlatformsTable>, 'id' | 'tenant_id' | 'created_at'>;

/** LMS platforms registered per tenant. */
export class LtiPlatformsRepository {
  constructor(private readonly db: Db) {}

  async create(row: LtiPlatformRow): Promise<void> {
    await this.db.insertInto('lti_platforms').values(row).execute();
  }

  get(tenantId: string, id: string): Promise<LtiPlatformRow | undefined> {
    return this.db
      .selectFrom('lti_platforms')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Any tenant's platform: launches name it by id, issuer and client id, never by tenant. */
  getById(id: string): Promise<LtiPlatformRow | undefined> {
    return this.db.selectFrom('lti_platforms').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The platforms of an issuer (several client ids, possibly in several tenants). */
  listByIssuer(issuer: string): Promise<LtiPlatformRow[]> {
    return this.db
      .selectFrom('lti_platforms')
      .selectAll()
      .where('issuer', '=', issuer)
      .orderBy('created_at', 'asc')
      .execute();
  }

  listForTenant(tenantId: string): Promise<LtiPlatformRow[]> {
    return this.db
      .selectFrom('lti_platforms')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
  }

  async update(tenantId: string, id: string, changes: LtiPlatformChanges): Promise<void> {
    await this.db
      .updateTable('lti_platforms')
      .set(changes)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('lti_platforms')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
