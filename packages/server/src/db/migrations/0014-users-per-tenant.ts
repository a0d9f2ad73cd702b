import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * Accounts per tenant: an email is unique within a tenant (and among operator users), no longer
 * across tenants. A tenant admin adding a member can no longer learn that the address has an
 * account elsewhere, and one person may have an account in several tenants.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await rebuildSqliteUsers(db);
  else await sql`alter table users drop constraint users_email_key`.execute(db);
  // Email first: a login looks accounts up by email alone.
  await db.schema
    .createIndex('users_email_per_tenant')
    .unique()
    .on('users')
    .columns(['email', 'tenant_id'])
    .execute();
  // NULLs are distinct in a unique index, so operators (no tenant) need one of their own.
  await db.schema
    .createIndex('users_operator_email')
    .unique()
    .on('users')
    .column('email')
    .where(sql<boolean>`tenant_id is null`)
    .execute();
}

/**
 * SQLite cannot drop a column's UNIQUE, so `users` is rebuilt without it. Migrations run in one
 * transaction with foreign keys on, where dropping `users` deletes its sessions and invites (ON
 * DELETE CASCADE): they are copied aside first and put back.
 */
async function rebuildSqliteUsers(db: Kysely<unknown>): Promise<void> {
  await sql`create table users_per_tenant_sessions as select * from sessions`.execute(db);
  await sql`create table users_per_tenant_invites as select * from invites`.execute(db);
  await db.schema
    .createTable('users_next')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('tenant_id', 'text', (c) => c.references('tenants.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_login_at', 'bigint')
    .addColumn('disabled_at', 'bigint')
    .addCheckConstraint(
      'users_role_matches_tenant',
      sql`(tenant_id is null and role = 'operator') or (tenant_id is not null and role in ('admin', 'editor', 'viewer'))`,
    )
    .execute();
  const columns = sql.raw(
    'id, tenant_id, email, name, role, password_hash, created_at, updated_at, last_login_at, disabled_at',
  );
  await sql`insert into users_next (${columns}) select ${columns} from users`.execute(db);
  await db.schema.dropTable('users').execute();
  await sql`alter table users_next rename to users`.execute(db);
  await db.schema.createIndex('users_by_tenant').on('users').columns(['tenant_id', 'created_at']).execute();
  await sql`insert into sessions select * from users_per_tenant_sessions`.execute(db);
  await sql`insert into invites select * from users_per_tenant_invites`.execute(db);
  await db.schema.dropTable('users_per_tenant_sessions').execute();
  await db.schema.dropTable('users_per_tenant_invites').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('users_operator_email').execute();
  await db.schema.dropIndex('users_email_per_tenant').execute();
  await db.schema.createIndex('users_email_key').unique().on('users').column('email').execute();
}
