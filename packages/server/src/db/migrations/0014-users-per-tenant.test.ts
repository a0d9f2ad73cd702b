import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabaseConfig } from '../../../test/databases.ts';
import { openDatabase, type DatabaseHandle } from '../database.ts';
import type { UserRow } from '../schema.ts';
import { migrationProvider } from './index.ts';

const MIGRATION = '0014-users-per-tenant';

const user = (id: string, tenantId: string | null, email: string): UserRow => ({
  id,
  tenant_id: tenantId,
  email,
  name: '',
  role: tenantId === null ? 'operator' : 'viewer',
  password_hash: 'scrypt$2$1$1$saltsalt$keykeykeykeykeykey',
  created_at: 1,
  updated_at: 1,
  last_login_at: null,
  disabled_at: null,
});

describe.each(DIALECTS)(`migration ${MIGRATION} on %s`, (dialect) => {
  const handles: DatabaseHandle[] = [];
  afterAll(async () => Promise.all(handles.map((h) => h.close())));

  it('makes emails unique per tenant (and among operators), keeping users, sessions and invites', async () => {
    const handle = openDatabase(await freshDatabaseConfig(dialect));
    handles.push(handle);
    const { db } = handle;
    const migrator = new Migrator({ db, provider: migrationProvider });
    const names = Object.keys(await migrationProvider.getMigrations()).sort();
    const before = names[names.indexOf(MIGRATION) - 1];
    expect(before).toBeDefined();
    const first = await migrator.migrateTo(before ?? '');
    expect(first.error).toBeUndefined();

    for (const id of ['ten_a', 'ten_b']) {
      await db.insertInto('tenants').values({ id, name: id, created_at: 1, updated_at: 1 }).execute();
    }
    await db
      .insertInto('users')
      .values([user('usr_a', 'ten_a', 'ana@example.test'), user('usr_op', null, 'op@example.test')])
      .execute();
    await db
      .insertInto('sessions')
      .values({
        id: 'ses_1',
        secret_hash: 'h1',
        user_id: 'usr_a',
        csrf_token: 'c',
        created_at: 1,
        last_seen_at: 1,
        expires_at: 9,
        revoked_at: null,
      })
      .execute();
    await db
      .insertInto('invites')
      .values({
        id: 'inv_1',
        token_hash: 't1',
        user_id: 'usr_op',
        created_at: 1,
        expires_at: 9,
        accepted_at: null,
      })
      .execute();
    await expect(
      db
        .insertInto('users')
        .values(user('usr_b', 'ten_b', 'ana@example.test'))
        .execute(),
    ).rejects.toThrow();

    const result = await migrator.migrateToLatest();
    expect(result.error).toBeUndefined();

    expect(await db.selectFrom('sessions').select(['id', 'user_id']).execute()).toEqual([
      { id: 'ses_1', user_id: 'usr_a' },
    ]);
    expect(await db.selectFrom('invites').select(['id', 'user_id']).execute()).toEqual([
      { id: 'inv_1', user_id: 'usr_op' },
    ]);
    await db
      .insertInto('users')
      .values(user('usr_b', 'ten_b', 'ana@example.test'))
      .execute();
    await db
      .insertInto('users')
      .values(user('usr_op_a', 'ten_a', 'op@example.test'))
      .execute();
    await expect(
      db
        .insertInto('users')
        .values(user('usr_a2', 'ten_a', 'ana@example.test'))
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
    await expect(
      db
        .insertInto('users')
        .values(user('usr_op2', null, 'op@example.test'))
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
    // The tables keep their foreign keys: deleting a tenant still removes its users and their sessions.
    await db.deleteFrom('tenants').where('id', '=', 'ten_a').execute();
    expect(await db.selectFrom('sessions').select('id').execute()).toEqual([]);
    expect((await db.selectFrom('users').select('id').orderBy('id').execute()).map((u) => u.id)).toEqual([
      'usr_b',
      'usr_op',
    ]);
  });
});
