// A worker process for the job queue benchmark (bench/jobs.bench.ts): runs no-op jobs and times
// every claim. BENCH_QUEUE=kino runs Kino's JobWorker; BENCH_QUEUE=naive runs the baseline, one job
// at a time: SELECT the first available job, UPDATE it to running if it is still available,
// UPDATE it to succeeded.
//
// Environment: BENCH_DATABASE (a DatabaseConfig as JSON), BENCH_QUEUE, BENCH_CONCURRENCY (Kino),
// BENCH_POLL_MS. Protocol: prints `ready` once connected; on the line `go` on stdin it starts, on
// `stop` it stops and prints one JSON line `{"claims": [[startedAtEpochMs, durationMs, jobs], ...]}`.
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import pino from 'pino';
import type { DatabaseConfig } from '../packages/server/src/config/config.ts';
import { openDatabase, type Db } from '../packages/server/src/db/database.ts';
import { createRepositories, unitOfWork } from '../packages/server/src/repositories/repositories.ts';
import type { JobRow } from '../packages/server/src/db/schema.ts';
import { JobQueue } from '../packages/server/src/jobs/job-queue.ts';
import { JobHandlers } from '../packages/server/src/jobs/job-registry.ts';
import { DEFAULT_WORKER_OPTIONS, JobWorker } from '../packages/server/src/jobs/job-worker.ts';
import { newId } from '../packages/server/src/lib/ids.ts';
import { benchJobCatalog, type BenchJobCatalog } from './jobs.bench.ts';

type Claim = [startedAt: number, durationMs: number, jobs: number];

const config = JSON.parse(process.env.BENCH_DATABASE ?? 'null') as DatabaseConfig | null;
if (!config) throw new Error('set BENCH_DATABASE to a DatabaseConfig JSON');
const mode = process.env.BENCH_QUEUE;
if (mode !== 'kino' && mode !== 'naive') throw new Error('set BENCH_QUEUE to kino or naive');
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const pollMs = Number(process.env.BENCH_POLL_MS ?? DEFAULT_WORKER_OPTIONS.pollMs);

const handle = openDatabase(config, { poolSize: concurrency + 2 });
const claims: Claim[] = [];

/** Kino's queue with each claim timed. */
class TimedQueue extends JobQueue<BenchJobCatalog> {
  override async claim(owner: string, limit: number, leaseMs: number): Promise<JobRow[]> {
    const startedAt = Date.now();
    const started = performance.now();
    const jobs = await super.claim(owner, limit, leaseMs);
    claims.push([startedAt, performance.now() - started, jobs.length]);
    return jobs;
  }
}

interface Runner {
  start(): void;
  stop(): Promise<void>;
}

function kinoRunner(): Runner {
  const repos = createRepositories(handle.db, handle.dialect);
  const queue = new TimedQueue({
    catalog: benchJobCatalog,
    repos,
    transaction: unitOfWork(handle),
    // Every tenant may use every slot: this measures the queue's machinery, not the fairness cap.
    tenantConcurrency: 1_000_000,
  });
  const handlers = new JobHandlers(benchJobCatalog).on('bench.noop', async () => undefined);
  const worker = new JobWorker(
    { queue, handlers, jobs: repos.jobs, logger: pino({ level: 'warn' }, pino.destination(2)) },
    { ...DEFAULT_WORKER_OPTIONS, concurrency, pollMs },
  );
  return {
    start() {
      worker.start();
    },
    stop: () => worker.stop(),
  };
}

function naiveRunner(db: Db): Runner {
  const owner = newId('wrk');
  let stopping = false;
  let loop: Promise<void> | undefined;
  /** The claimed job; 'lost' when another worker took it first; 'empty' when none waits. */
  const claimOne = async (): Promise<{ id: string } | 'lost' | 'empty'> => {
    const startedAt = Date.now();
    const started = performance.now();
    const next = await db
      .selectFrom('jobs')
      .select('id')
      .where('state', '=', 'available')
      .orderBy('priority')
      .orderBy('run_at')
      .limit(1)
      .executeTakeFirst();
    let claimed = false;
    if (next) {
      const now = Date.now();
      const result = await db
        .updateTable('jobs')
        .set((eb) => ({
          state: 'running',
          attempt: eb('attempt', '+', 1),
          lease_owner: owner,
          started_at: now,
          updated_at: now,
        }))
        .where('id', '=', next.id)
        .where('state', '=', 'available')
        .executeTakeFirst();
      claimed = result.numUpdatedRows > 0n;
    }
    claims.push([startedAt, performance.now() - started, claimed ? 1 : 0]);
    if (!next) return 'empty';
    return claimed ? { id: next.id } : 'lost';
  };
  const run = async () => {
    while (!stopping) {
      const claimed = await claimOne();
      if (claimed === 'lost') continue;
      if (claimed === 'empty') {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        continue;
      }
      const now = Date.now();
      await db
        .updateTable('jobs')
        .set({ state: 'succeeded', finished_at: now, updated_at: now, lease_owner: null })
        .where('id', '=', claimed.id)
        .execute();
    }
  };
  return {
    start() {
      loop = run();
    },
    async stop() {
      stopping = true;
      await loop;
    },
  };
}

// Connect before the clock starts.
await sql`select 1`.execute(handle.db);
const runner = mode === 'kino' ? kinoRunner() : naiveRunner(handle.db);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'go') runner.start();
  if (line === 'stop') {
    lines.close();
    void runner
      .stop()
      .then(() => handle.close())
      .then(() => {
        process.stdout.write(`${JSON.stringify({ claims })}\n`, () => process.exit(0));
      });
  }
});
process.stdout.write('ready\n');
