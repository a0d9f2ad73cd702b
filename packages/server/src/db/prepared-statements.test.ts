import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from './database.ts';
import { PREPARED, PREPARED_SELECT } from './prepared-statements.ts';

describe('prepared statements on PostgreSQL', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await handle.close();
  });

  it('prepares a marked text once per connection and leaves other texts unnamed', async () => {
    const prepared = await handle.db.connection().execute(async (db) => {
      for (const n of [1, 2, 3]) {
        const { rows } = await sql<{ x: number }>`${sql.raw(PREPARED)}select ${n}::int as x`.execute(db);
        expect(rows).toEqual([{ x: n }]);
      }
      await sql`select ${4}::int as unmarked`.execute(db);
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
        db,
      );
      return rows.map((r) => r.statement);
    });
    expect(prepared).toEqual([`${PREPARED}select $1::int as x`]);
  });

  it('prepares a Kysely select marked with PREPARED_SELECT', async () => {
    const prepared = await handle.db.connection().execute(async (db) => {
      for (const id of ['a', 'b']) {
        await db
          .selectFrom('tenants')
          .select('id')
          .where('id', '=', id)
          .modifyFront(PREPARED_SELECT)
          .execute();
      }
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
        db,
      );
      return rows.map((r) => r.statement);
    });
    // The connection may be the one the test above used, with its statement still prepared.
    expect(prepared).toContain(`select ${PREPARED}"id" from "tenants" where "id" = $1`);
    expect(prepared.filter((text) => text.includes('"tenants"'))).toHaveLength(1);
  });

  it('runs marked texts inside transactions', async () => {
    const sum = await handle.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{
        s: number;
      }>`${sql.raw(PREPARED)}select ${20}::int + ${22}::int as s`.execute(trx);
      return rows[0]?.s;
    });
    expect(sum).toBe(42);
  });
});
