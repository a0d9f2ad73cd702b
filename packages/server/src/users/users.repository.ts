import type { Updateable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { UserRow, UsersTable } from '../db/schema.ts';

export type UserUpdate = Pick<Updateable<UsersTable>, 'name' | 'role' | 'disabled_at'>;

export class UsersRepository {
  constructor(private readonly db: Db) {}

  async create(row: UserRow): Promise<UserRow> {
    await this.db.insertInto('users').values(row).execute();
    return row;
  }

  get(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Every account of a lower-cased email, in any tenant and the operator's: what a login chooses from. */
  listByEmail(email: string): Promise<UserRow[]> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
  }

  /** The account of a lower-cased email in one tenant, or among operator users (`tenantId` null). */
  findByEmailIn(tenantId: string | null, email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .where((eb) => (tenantId === null ? eb('tenant_id', 'is', null) : eb('tenant_id', '=', tenantId)))
      .executeTakeFirst();
  }

  getInTenant(tenantId: string, id: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** A tenant's members, oldest first (a tenant has people, not millions of rows). */
  listForTenant(tenantId: string): Promise<UserRow[]> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
  }

  async update(tenantId: string, id: string, changes: UserUpdate, now: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ ...changes, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.db.deleteFrom('users').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
  }

  async setPassword(id: string, passwordHash: string, now: number, name?: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: now, ...(name !== undefined && { name }) })
      .where('id', '=', id)
      .execute();
  }

  async recordLogin(id: string, now: number): Promise<void> {
    await this.db.updateTable('users').set({ last_login_at: now }).where('id', '=', id).execute();
  }

  /** Admins who can act: enabled and with a password (an unanswered invite does not count). */
  async countActiveAdmins(tenantId: string): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('role', '=', 'admin')
      .where('disabled_at', 'is', null)
      .where('password_hash', 'is not', null)
      .executeTakeFirst();
    return row?.n ?? 0;
  }

  /**
   * Serializes membership changes of one tenant until the transaction ends: PostgreSQL holds the
   * tenant row's lock, SQLite's writer lock is held already. Keeps the last-admin rule true when
   * two admins demote each other at the same moment.
   */
  async lockTenant(tenantId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('tenants')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
