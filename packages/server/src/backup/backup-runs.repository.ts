import type { Db } from '../db/database.ts';
import type { BackupRunStatus } from '../db/schema.ts';
import { newId } from '../lib/ids.ts';

const KEEP_RUNS = 200;

/** The scheduled backups' runs: started, then completed or failed. */
export class BackupRunsRepository {
  constructor(private readonly db: Db) {}

  async start(now: number): Promise<string> {
    const id = newId('bkr', now);
    await this.db
      .insertInto('backup_runs')
      .values({
        id,
        started_at: now,
        finished_at: null,
        status: 'running',
        backup_id: null,
        added_bytes: null,
        error: null,
      })
      .execute();
    return id;
  }

  async finish(
    id: string,
    now: number,
    outcome: {
      status: Exclude<BackupRunStatus, 'running'>;
      backupId?: string;
      addedBytes?: number;
      error?: string;
    },
  ): Promise<void> {
    await this.db
      .updateTable('backup_runs')
      .set({
        finished_at: now,
        status: outcome.status,
        backup_id: outcome.backupId ?? null,
        added_bytes: outcome.addedBytes ?? null,
        error: outcome.error?.slice(0, 1000) ?? null,
      })
      .where('id', '=', id)
      .execute();
    // Only the recent history matters; the oldest rows go.
    const cutoff = await this.db
      .selectFrom('backup_runs')
      .select('started_at')
      .orderBy('started_at', 'desc')
      .offset(KEEP_RUNS)
      .limit(1)
      .executeTakeFirst();
    if (cutoff)
      await this.db.deleteFrom('backup_runs').where('started_at', '<=', cutoff.started_at).execute();
  }

  /** When the last successful run finished, or null. */
  async lastCompletedAt(): Promise<number | null> {
    const row = await this.db
      .selectFrom('backup_runs')
      .select('finished_at')
      .where('status', '=', 'completed')
      .orderBy('finished_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.finished_at ?? null;
  }
}
