import { sql } from 'kysely';
import type { Db, Dialect } from './database.ts';

/** Runs `work` on one transaction: all of its writes land, or none. */
export type Transact = <T>(work: (db: Db) => Promise<T>) => Promise<T>;

/**
 * A transaction runner over a database handle, for domains whose repositories are not part of
 * `Repositories`. Same rules as `unitOfWork`: SQLite takes its write lock up front.
 *
 * @example const transact = transactionRunner(handle);
 *          await transact(async (db) => { await new UsersRepository(db).create(row); });
 */
export function transactionRunner(handle: { db: Db; dialect: Dialect }): Transact {
  const { db, dialect } = handle;
  switch (dialect) {
    case 'postgres':
      return (work) => db.transaction().execute(work);
    case 'sqlite':
      // BEGIN IMMEDIATE: a deferred transaction that reads, then writes, fails with SQLITE_BUSY
      // when another process wrote in between.
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
