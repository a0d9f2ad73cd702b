import { sql } from 'kysely';
import type { Db, Dialect } from './database.ts';

/** Runs `work` on one transaction: all of its writes land, or none. */
export type Transact = <T>(work: (db: Db) => Promise<T>) => Promise<T>;

/**
 * The one way Kino opens a transaction. Repositories are bound to it in repositories/
 * (`unitOfWork`); nothing else begins, commits or rolls back.
 *
 * @example const transact = transactionRunner(handle);
 *          await transact((trx) => trx.deleteFrom('jobs').where('id', '=', id).execute());
 */
export function transactionRunner(handle: { db: Db; dialect: Dialect }): Transact {
  const { db, dialect } = handle;
  switch (dialect) {
    case 'postgres':
      return (work) => db.transaction().execute(work);
    case 'sqlite':
      // BEGIN IMMEDIATE takes the write lock up front. A deferred transaction that reads and then
      // writes fails with SQLITE_BUSY when another process wrote in between, which the busy
      // timeout cannot wait out.
      return (work) =>
        db.connection().execute(async (conn) => {
          await sql`begin immediate`.execute(conn);
          try {
            const result = await work(conn);
            await sql`commit`.execute(conn);
            return result;
          } catch (err) {
            await sql`rollback`.execute(conn);
            throw err;
          }
        });
  }
}
