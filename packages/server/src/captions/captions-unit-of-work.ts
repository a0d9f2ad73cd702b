import { sql } from 'kysely';
import type { Db, Dialect } from '../db/database.ts';
import { createRepositories, type Repositories } from '../db/repositories.ts';
import { CaptionsRepository } from './captions.repository.ts';

export type CaptionsRepositories = Repositories & { captions: CaptionsRepository };

/** Runs `work` in one transaction with the project's repositories plus the captions one. */
export type CaptionsUnitOfWork = <T>(work: (repos: CaptionsRepositories) => Promise<T>) => Promise<T>;

const bind = (db: Db, dialect: Dialect): CaptionsRepositories => ({
  ...createRepositories(db, dialect),
  captions: new CaptionsRepository(db),
});

/**
 * The same transactions as db/repositories.ts `unitOfWork` (BEGIN IMMEDIATE on SQLite, see
 * there), with the captions repository bound to them too, so a track, its cues and the webhook
 * event announcing it are written together.
 */
export function captionsUnitOfWork(handle: { db: Db; dialect: Dialect }): CaptionsUnitOfWork {
  const { db, dialect } = handle;
  switch (dialect) {
    case 'postgres':
      return (work) => db.transaction().execute((trx) => work(bind(trx, dialect)));
    case 'sqlite':
      return (work) =>
        db.connection().execute(async (conn) => {
          await sql`begin immediate`.execute(conn);
          try {
            const result = await work(bind(conn, dialect));
            await sql`commit`.execute(conn);
            return result;
          } catch (err) {
            await sql`rollback`.execute(conn);
            throw err;
          }
        });
  }
}
