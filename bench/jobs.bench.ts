// Job queue: how fast no-op jobs are enqueued and run, and how long a claim takes, on SQLite and
// PostgreSQL with 1 and 4 worker processes (bench/jobs-worker.ts), beside a naive queue that
// claims one job at a time with SELECT ... LIMIT 1 then a conditional UPDATE.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { z } from 'zod';
import type { DatabaseConfig } from '../packages/server/src/config/config.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../packages/server/src/db/database.ts';
import { createRepositories, unitOfWork } from '../packages/server/src/repositories/repositories.ts';
import { JobQueue } from '../packages/server/src/jobs/job-queue.ts';
import { defineJobCatalog } from '../packages/server/src/jobs/job-registry.ts';
import { DEFAULT_WORKER_OPTIONS } from '../packages/server/src/jobs/job-worker.ts';
import { newId } from '../packages/server/src/lib/ids.ts';
import { startPostgres } from '../packages/testkit/src/postgres.ts';
import { foreignCores, sampleCpu } from './lib/cpu.ts';
import type { BenchContext, BenchReport } from './lib/harness.ts';
import { tempDir } from './lib/processes.ts';
import type { Resource } from './lib/scope.ts';

export const benchJobCatalog = defineJobCatalog({
  'bench.noop': {
    payload: z.object({ n: z.number().int() }),
    priority: 50,
    maxAttempts: 3,
    timeoutMs: 60_000,
  },
});
export type BenchJobCatalog = typeof benchJobCatalog;

/** BENCH_JOBS changes how many jobs each run enqueues and drains. */
const JOBS = Number(process.env.BENCH_JOBS ?? 5_000);
const ENQUEUE_BATCH = 500;
/** Jobs are spread round-robin over this many tenants. */
const TENANTS = 4;
const WORKER_COUNTS = [1, 4] as const;
/** Jobs one Kino worker process runs at once. */
const CONCURRENCY = 8;
const TARGET_JOBS_PER_SECOND = 1_000;
/** A run that has not drained by then stops, and its rate counts the jobs it finished (BENCH_RUN_LIMIT_SECONDS). */
const RUN_LIMIT_MS = Number(process.env.BENCH_RUN_LIMIT_SECONDS ?? 20) * 1000;
const READY_TIMEOUT_MS = 60_000;
const FOREIGN_WARNING = 0.1;

type QueueKind = 'kino' | 'naive';
type DatabaseLabel = 'SQLite' | 'PostgreSQL';
type Claim = [startedAt: number, durationMs: number, jobs: number];

interface Run {
  queue: QueueKind;
  database: DatabaseLabel;
  workers: number;
  enqueuePerSecond: number;
  runPerSecond: number;
  succeeded: number;
  /** Jobs that were claimed more than once (none should be). */
  repeated: number;
  claims: { count: number; p50: number; p99: number; jobsPerClaim: number; emptyShare: number };
  foreign: number | undefined;
}

export default async function jobsBenchmark(ctx: BenchContext): Promise<BenchReport> {
  if (!(Number.isInteger(JOBS) && JOBS > 0)) throw new Error('BENCH_JOBS must be a positive integer');
  if (!(RUN_LIMIT_MS > 0)) throw new Error('BENCH_RUN_LIMIT_SECONDS must be a positive number');
  const runs: Run[] = [];
  const plan = (['kino', 'naive'] as const).flatMap((queue) =>
    WORKER_COUNTS.map((workers) => ({ queue, workers })),
  );

  for (const { queue, workers } of plan) {
    const dir = ctx.scope.track(await tempDir('kino-jobs-bench-'));
    runs.push(
      await measure(ctx, { kind: 'sqlite', file: join(dir.path, 'kino.sqlite') }, 'SQLite', queue, workers),
    );
    await ctx.scope.release(dir);
  }
  const sqliteVersion = await versionOf({ kind: 'sqlite', file: ':memory:' });

  ctx.log('PostgreSQL: starting a throwaway server');
  const pg = await startPostgres();
  const pgResource = ctx.scope.track({
    name: 'PostgreSQL',
    close: () => pg.stop(),
    closeNow: () => undefined,
  });
  const postgresVersion = await versionOf({ kind: 'postgres', url: pg.url });
  for (const { queue, workers } of plan) {
    const url = await pg.createDatabase('kino_jobs_bench');
    runs.push(await measure(ctx, { kind: 'postgres', url }, 'PostgreSQL', queue, workers));
  }
  await ctx.scope.release(pgResource);

  return report(runs, { sqliteVersion, postgresVersion });
}

async function measure(
  ctx: BenchContext,
  config: DatabaseConfig,
  database: DatabaseLabel,
  queueKind: QueueKind,
  workerCount: number,
): Promise<Run> {
  const label = `${database}, ${queueKind}, ${workerCount} worker${workerCount > 1 ? 's' : ''}`;
  const handle = openDatabase(config);
  try {
    await migrateToLatest(handle.db);
    const enqueuePerSecond = await enqueue(handle);
    ctx.log(`${label}: enqueued ${JOBS.toLocaleString('en')} jobs at ${rate(enqueuePerSecond)} jobs/s`);
    if (config.kind === 'postgres') {
      // Autovacuum would analyze the freshly filled table soon, in the middle of the run.
      await sql`vacuum analyze jobs`.execute(handle.db);
    }

    const spawned = performance.now();
    const workers = await Promise.all(
      Array.from({ length: workerCount }, (_, i) =>
        startWorker(ctx, `${label} #${i + 1}`, {
          BENCH_DATABASE: JSON.stringify(config),
          BENCH_QUEUE: queueKind,
          BENCH_CONCURRENCY: String(CONCURRENCY),
        }),
      ),
    );
    ctx.log(`${label}: workers ready in ${((performance.now() - spawned) / 1000).toFixed(1)} s`);
    const before = sampleCpu();
    const started = Date.now();
    for (const w of workers) w.send('go');
    const deadline = started + RUN_LIMIT_MS;
    let left = JOBS;
    while (left > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = await count(handle, sql`select count(*) as n from jobs where state <> 'succeeded'`);
    }
    const foreign = foreignCores(before, sampleCpu());
    const last = await count(handle, sql`select max(finished_at) as n from jobs where state = 'succeeded'`);
    const succeeded = JOBS - left;
    const ended = left === 0 ? last : Date.now();
    const claims = (await Promise.all(workers.map((w) => w.stop()))).flat().filter(([at]) => at <= ended);
    const repeated = await count(handle, sql`select count(*) as n from jobs where attempt > 1`);
    const run: Run = {
      queue: queueKind,
      database,
      workers: workerCount,
      enqueuePerSecond,
      runPerSecond: succeeded / (Math.max(1, ended - started) / 1000),
      succeeded,
      repeated,
      claims: claimStats(claims),
      foreign,
    };
    ctx.log(
      `${label}: ran ${succeeded.toLocaleString('en')} jobs at ${rate(run.runPerSecond)} jobs/s; ` +
        `claim p50 ${ms(run.claims.p50)} ms, p99 ${ms(run.claims.p99)} ms, ` +
        `${run.claims.jobsPerClaim.toFixed(1)} jobs per claim, ${percent(run.claims.emptyShare)} empty` +
        (left > 0 ? `; stopped after ${RUN_LIMIT_MS / 1000} s with ${left} jobs left` : '') +
        (foreign !== undefined && foreign > FOREIGN_WARNING
          ? `; other processes used ${foreign.toFixed(2)} cores meanwhile`
          : ''),
    );
    return run;
  } finally {
    await handle.close();
  }
}

/** Enqueues JOBS no-op jobs through Kino's queue, ENQUEUE_BATCH per transaction; returns jobs/s. */
async function enqueue(handle: DatabaseHandle): Promise<number> {
  const repos = createRepositories(handle.db, handle.dialect);
  const transaction = unitOfWork(handle);
  const queue = new JobQueue({ catalog: benchJobCatalog, repos, transaction, tenantConcurrency: 1_000_000 });
  const tenants: string[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const id = newId('ten');
    await repos.tenants.create({ id, name: `bench ${i}`, created_at: 1, updated_at: 1 });
    tenants.push(id);
  }
  const started = performance.now();
  for (let from = 0; from < JOBS; from += ENQUEUE_BATCH) {
    await transaction(async (trx) => {
      for (let n = from; n < Math.min(JOBS, from + ENQUEUE_BATCH); n++) {
        await queue.enqueue(trx, {
          type: 'bench.noop',
          payload: { n },
          tenantId: tenants[n % TENANTS] ?? null,
        });
      }
    });
  }
  return JOBS / ((performance.now() - started) / 1000);
}

interface WorkerProcess {
  send(line: 'go'): void;
  /** Stops the worker and returns its claims. */
  stop(): Promise<Claim[]>;
}

async function startWorker(
  ctx: BenchContext,
  name: string,
  env: Record<string, string>,
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/jobs-worker.ts'], {
    cwd: ctx.repoRoot,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 30) stderr.shift();
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const failed = (what: string) => new Error(`worker ${name} ${what}:\n${stderr.join('')}`);
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line === 'ready') resolve();
    });
    void exited.then(() => {
      reject(failed('exited before it was ready'));
    });
    setTimeout(() => {
      reject(failed(`was not ready within ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS).unref();
  });
  const report = new Promise<Claim[]>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve((JSON.parse(line) as { claims: Claim[] }).claims);
    });
    void exited.then(() => {
      reject(failed('exited without reporting its claims'));
    });
  });
  report.catch(() => undefined);

  const resource: Resource = ctx.scope.track({
    name,
    async close() {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    closeNow() {
      if (running()) child.kill('SIGKILL');
    },
  });
  await ready;
  return {
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    async stop() {
      child.stdin.write('stop\n');
      const claims = await report;
      await exited;
      await ctx.scope.release(resource);
      return claims;
    },
  };
}

function claimStats(claims: Claim[]): Run['claims'] {
  const durations = claims.map(([, duration]) => duration).sort((a, b) => a - b);
  const at = (p: number) => durations[Math.max(0, Math.ceil(p * durations.length) - 1)] ?? Number.NaN;
  const jobs = claims.reduce((sum, [, , n]) => sum + n, 0);
  const nonEmpty = claims.filter(([, , n]) => n > 0).length;
  return {
    count: claims.length,
    p50: at(0.5),
    p99: at(0.99),
    jobsPerClaim: nonEmpty > 0 ? jobs / nonEmpty : 0,
    emptyShare: claims.length > 0 ? (claims.length - nonEmpty) / claims.length : 0,
  };
}

async function count(handle: DatabaseHandle, query: ReturnType<typeof sql<{ n: number | string | null }>>) {
  return Number((await query.execute(handle.db)).rows[0]?.n ?? 0);
}

async function versionOf(config: DatabaseConfig): Promise<string> {
  const handle = openDatabase(config);
  try {
    const query =
      config.kind === 'postgres'
        ? sql<{ v: string }>`select current_setting('server_version') as v`
        : sql<{ v: string }>`select sqlite_version() as v`;
    return (await query.execute(handle.db)).rows[0]?.v.split(' ')[0] ?? 'unknown';
  } finally {
    await handle.close();
  }
}

const rate = (n: number) => Math.round(n).toLocaleString('en');
const ms = (n: number) => n.toFixed(2);
const percent = (share: number) => `${(share * 100).toFixed(0)}%`;

function report(runs: Run[], versions: { sqliteVersion: string; postgresVersion: string }): BenchReport {
  const naive = (r: Run) =>
    runs.find((n) => n.queue === 'naive' && n.database === r.database && n.workers === r.workers);
  const target = runs.find((r) => r.queue === 'kino' && r.database === 'PostgreSQL' && r.workers === 4);
  const incomplete = runs.filter((r) => r.succeeded < JOBS);
  const repeated = runs.filter((r) => r.repeated > 0);
  const foreign = runs.map((r) => r.foreign).filter((f) => f !== undefined);
  return {
    title: 'Job queue: no-op jobs',
    intro: [
      `Each run gets a fresh database: SQLite ${versions.sqliteVersion} (a file in a temporary folder, WAL) or ` +
        `PostgreSQL ${versions.postgresVersion} (a throwaway local server with fsync off, on the same machine). ` +
        `The benchmark's process enqueues ${JOBS.toLocaleString('en')} no-op jobs for ${TENANTS} tenants through ` +
        `\`JobQueue.enqueue\`, ${ENQUEUE_BATCH} per transaction (**enqueue jobs/s**); on PostgreSQL it then runs ` +
        `\`vacuum analyze jobs\`, as autovacuum soon would. Then 1 or 4 worker processes ` +
        `(\`bench/jobs-worker.ts\`), connected and idle, are told to start at once, and **run jobs/s** is the jobs ` +
        `divided by the time from that moment to the last job's \`finished_at\` (a run that has not drained ` +
        `after ${RUN_LIMIT_MS / 1000} s stops there, and its rate counts the jobs finished by then).`,
      `**kino** is \`JobWorker\` over \`JobQueue\` with ${CONCURRENCY} jobs at once per process and the default ` +
        `lease (${DEFAULT_WORKER_OPTIONS.leaseMs / 1000} s), heartbeat (${DEFAULT_WORKER_OPTIONS.heartbeatMs / 1000} s) ` +
        `and idle poll (${DEFAULT_WORKER_OPTIONS.pollMs} ms), with no tenant cap (the fairness ordering is still ` +
        `computed); a claim is one transaction that rescues expired leases, picks due jobs in fair order, marks ` +
        `them running and records the tenants' turns. **naive** is the baseline: one job at a time per process, ` +
        `\`SELECT id ... WHERE state = 'available' ORDER BY priority, run_at LIMIT 1\`, then ` +
        `\`UPDATE ... SET state = 'running' WHERE id = ? AND state = 'available'\` (trying again when another ` +
        `worker won), then \`UPDATE ... SET state = 'succeeded'\`, each statement on its own, no leases, no fairness.`,
      `**claim p50/p99** time every claim a worker made until the last job finished (Kino: the whole claim ` +
        `transaction; naive: the SELECT and the UPDATE); **jobs per claim** averages the claims that got any; ` +
        `**empty** is the share of claims that got nothing although jobs were waiting (lost a race to another worker, ` +
        `or, for Kino, found every due job already taken). Target: at least ` +
        `${TARGET_JOBS_PER_SECOND.toLocaleString('en')} jobs/s on PostgreSQL with 4 workers.`,
    ],
    columns: [
      'queue',
      'database',
      'workers',
      'enqueue jobs/s',
      'jobs run',
      'run jobs/s',
      'vs naive',
      'claim p50 (ms)',
      'claim p99 (ms)',
      'jobs per claim',
      'empty',
    ],
    rows: runs.map((r) => {
      const base = naive(r);
      return [
        r.queue,
        r.database,
        String(r.workers),
        rate(r.enqueuePerSecond),
        r.succeeded.toLocaleString('en'),
        rate(r.runPerSecond),
        r.queue === 'kino' && base ? `${(r.runPerSecond / base.runPerSecond).toFixed(1)}×` : '-',
        ms(r.claims.p50),
        ms(r.claims.p99),
        r.claims.jobsPerClaim.toFixed(1),
        percent(r.claims.emptyShare),
      ];
    }),
    notes: [
      target
        ? `Target (${TARGET_JOBS_PER_SECOND.toLocaleString('en')} jobs/s on PostgreSQL with 4 workers): ` +
          (target.runPerSecond >= TARGET_JOBS_PER_SECOND
            ? `met, ${rate(target.runPerSecond)} jobs/s.`
            : `**missed**, ${rate(target.runPerSecond)} jobs/s.`)
        : 'Target: not measured.',
      ...(incomplete.length > 0
        ? [
            `Stopped after ${RUN_LIMIT_MS / 1000} s, before draining (their rates count the jobs finished by then): ` +
              incomplete
                .map(
                  (r) =>
                    `${r.queue} on ${r.database} with ${r.workers} (${r.succeeded.toLocaleString('en')} done)`,
                )
                .join(', ') +
              '.',
          ]
        : []),
      repeated.length > 0
        ? `Jobs claimed more than once: ${repeated.map((r) => `${r.repeated} (${r.queue}, ${r.database}, ${r.workers})`).join(', ')}.`
        : 'Every job was claimed exactly once in every run.',
      foreign.length > 0
        ? `Other processes on the machine (and the hypervisor, as steal time) used ${Math.min(...foreign).toFixed(2)} ` +
          `to ${Math.max(...foreign).toFixed(2)} cores during the runs.`
        : '',
      'Two cores are shared by the worker processes, the benchmark process (which polls the count of unfinished ' +
        'jobs every 100 ms) and, for PostgreSQL, the database server itself.',
    ].filter((note) => note !== ''),
  };
}
