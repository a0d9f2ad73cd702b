import type { Config } from '../config/config.ts';
import { migrateToLatest, openDatabase } from '../db/database.ts';
import { RecoveryRepository } from '../standby/recovery.repository.ts';

/** A failover that could not be done; its message is for the operator. */
export class FailoverError extends Error {
  override name = 'FailoverError';
}

const PROMOTE_WAIT_SECONDS = 60;

/**
 * `kino failover promote`: makes the PostgreSQL standby that KINO_DATABASE_URL names the primary
 * (pg_promote), then brings its schema up to date. Kino processes already running on it notice
 * within a second and start taking writes and background work.
 */
export async function failoverPromote(config: Config): Promise<string> {
  if (config.database.kind !== 'postgres') {
    throw new FailoverError(
      'failover needs PostgreSQL (KINO_DATABASE_URL=postgres://…): SQLite has no standby',
    );
  }
  const handle = openDatabase(config.database, { poolSize: 1 });
  try {
    const recovery = new RecoveryRepository(handle.db, handle.dialect);
    if (!(await recovery.inRecovery())) return 'the database is a primary already: nothing to promote';
    const replayed = await recovery.walPosition();
    if (!(await recovery.promote(PROMOTE_WAIT_SECONDS))) {
      throw new FailoverError(
        `the standby did not finish its promotion within ${PROMOTE_WAIT_SECONDS} s: see its PostgreSQL log`,
      );
    }
    const applied = await migrateToLatest(handle.db);
    return [
      `promoted: the standby is the primary now (it had replayed the primary's log up to ${replayed ?? 'unknown'})`,
      applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema is up to date',
      'Kino processes on this database take writes and start their background work within a second.',
    ].join('\n');
  } finally {
    await handle.close();
  }
}
