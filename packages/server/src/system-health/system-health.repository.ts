import type { Db } from '../db/database.ts';
import type { JobState, WorkerRow } from '../db/schema.ts';

export type QueueCounts = Record<'waiting' | 'running' | 'retrying' | 'dead', number>;

const COUNTED: JobState[] = ['available', 'running', 'retrying', 'dead'];

/** What the operator's health page reads about workers and the job queue. */
export class SystemHealthRepository {
  constructor(private readonly db: Db) {}

  async queueCounts(): Promise<QueueCounts> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', 'in', COUNTED)
      .groupBy('state')
      .execute();
    const count = (state: JobState) => rows.find((r) => r.state === state)?.n ?? 0;
    return {
      waiting: count('available'),
      running: count('running'),
      retrying: count('retrying'),
      dead: count('dead'),
    };
  }

  /** Jobs that failed an attempt since `since` and have not succeeded after it. */
  async failuresSince(since: number): Promise<number> {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'dead'), eb('finished_at', '>=', since)]),
          eb.and([eb('state', '=', 'retrying'), eb('updated_at', '>=', since)]),
        ]),
      )
      .executeTakeFirst();
    return row?.n ?? 0;
  }

  /** Worker processes seen since `since` that have not said they stopped, most recent first. */
  liveWorkers(since: number): Promise<WorkerRow[]> {
    return this.db
      .selectFrom('workers')
      .selectAll()
      .where('last_seen_at', '>=', since)
      .where('stopped_at', 'is', null)
      .orderBy('last_seen_at', 'desc')
      .execute();
  }

  /** Running jobs per lease owner (a worker id). */
  async runningByWorker(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['lease_owner', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', '=', 'running')
      .groupBy('lease_owner')
      .execute();
    return new Map(rows.flatMap((r) => (r.lease_owner === null ? [] : [[r.lease_owner, r.n] as const])));
  }
}
