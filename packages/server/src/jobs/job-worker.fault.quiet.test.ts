import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabaseConfig } from '../../test/databases.ts';
import { createTenant, testQueue } from '../../test/job-fixtures.ts';
import type { DatabaseConfig } from '../config/config.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database.ts';
import { unitOfWork } from '../repositories/repositories.ts';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/effect-worker.ts', import.meta.url));
const SERVER_DIR = fileURLToPath(new URL('../../', import.meta.url));

const JOBS = 300;
const WORKERS = 3;
/** Kills go on for this long (or until the queue is empty, if that comes first). */
const KILLING_MS = 10_000;
const KILL_EVERY_MS = [1_500, 2_000] as const;
const FINISH_WITHIN_MS = 60_000;
const READY_WITHIN_MS = 30_000;
/**
 * Each tenant runs at most this many jobs at once across all workers, which spreads the jobs over
 * the killing period; a killed worker's jobs keep holding their tenant's slots until their leases expire.
 */
const TENANT_CONCURRENCY = 3;

interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the worker's id once it claims jobs. */
  ready: Promise<string>;
  workerId: string | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: string[];
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startWorker(config: DatabaseConfig): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(config)], {
    cwd: SERVER_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, EFFECT_LOG_LEVEL: 'warn', EFFECT_TENANT_CONCURRENCY: String(TENANT_CONCURRENCY) },
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  const worker: WorkerProcess = { child, ready: Promise.resolve(''), workerId: undefined, exited, output };
  worker.ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`worker ${child.pid} was not ready in ${READY_WITHIN_MS} ms:\n${output.join('')}`));
    }, READY_WITHIN_MS);
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = /"workerId":"([^"]+)"/.exec(line);
        if (parsed?.[1]) {
          clearTimeout(timer);
          worker.workerId = parsed[1];
          resolve(parsed[1]);
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 50) output.shift();
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`worker ${child.pid} exited (${code ?? signal}) before it was ready:\n${output.join('')}`),
      );
    });
  });
  // A replacement started late in the run may never be awaited; its failure is reported elsewhere.
  worker.ready.catch(() => undefined);
  return worker;
}

const alive = (w: WorkerProcess) => w.child.exitCode === null && w.child.signalCode === null;

describe.each(DIALECTS)('job workers killed mid-job on %s', (dialect) => {
  let config: DatabaseConfig;
  let handle: DatabaseHandle;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    config = await freshDatabaseConfig(dialect);
    handle = openDatabase(config);
    await migrateToLatest(handle.db);
    await sql`create table effects (job_id text primary key, pid integer not null, at bigint not null)`.execute(
      handle.db,
    );
    await sql`create table attempts_log (job_id text not null, pid integer not null, at bigint not null)`.execute(
      handle.db,
    );
  });

  afterAll(async () => {
    for (const w of workers) if (alive(w)) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await handle.close();
  });

  const count = async (query: ReturnType<typeof sql<{ n: number | string }>>) =>
    Number((await query.execute(handle.db)).rows[0]?.n ?? 0);
  const unfinished = () =>
    count(sql`select count(*) as n from jobs where state in ('available', 'running', 'retrying')`);

  it('runs every job to success with its side effect exactly once', { timeout: 120_000 }, async () => {
    const { queue, repos } = testQueue(handle);
    const tenants = [await createTenant(repos, 'a'), await createTenant(repos, 'b')];
    await unitOfWork(handle)(async (trx) => {
      for (let n = 0; n < JOBS; n++) {
        await queue.enqueue(trx, {
          type: 'test.effect',
          payload: { n, sleepMs: 20 + Math.floor(Math.random() * 181) },
          tenantId: tenants[n % tenants.length] ?? null,
        });
      }
    });

    for (let i = 0; i < WORKERS; i++) workers.push(startWorker(config));
    await Promise.all(workers.map((w) => w.ready));
    const started = Date.now();

    // Kill the worker holding the most running jobs, so every kill interrupts work in flight.
    const killed: number[] = [];
    const victims = new Set<WorkerProcess>();
    const killingUntil = Date.now() + KILLING_MS;
    while (Date.now() < killingUntil && (await unfinished()) > 0) {
      const [min, max] = KILL_EVERY_MS;
      await delay(min + Math.random() * (max - min));
      const held = await sql<{ owner: string; n: number | string }>`
        select lease_owner as owner, count(*) as n from jobs where state = 'running' group by lease_owner`.execute(
        handle.db,
      );
      const running = new Map(held.rows.map((r) => [r.owner, Number(r.n)]));
      const candidates = workers.filter((w) => alive(w) && w.workerId !== undefined);
      const victim = candidates.sort(
        (a, b) => (running.get(b.workerId ?? '') ?? 0) - (running.get(a.workerId ?? '') ?? 0),
      )[0];
      if (!victim) continue;
      victim.child.kill('SIGKILL');
      await victim.exited;
      killed.push(victim.child.pid ?? 0);
      victims.add(victim);
      workers.push(startWorker(config));
    }

    const killingEnded = Date.now();
    const finishBy = Date.now() + FINISH_WITHIN_MS;
    while ((await unfinished()) > 0 && Date.now() < finishBy) await delay(200);
    const finished = Date.now();

    // The survivors stop cleanly on SIGTERM.
    // No worker died of anything but our SIGKILLs.
    const crashed = workers.filter((w) => !alive(w) && !victims.has(w));
    expect(crashed.length, crashed.map((w) => w.output.join('')).join('\n')).toBe(0);
    const survivors = workers.filter(alive);
    await Promise.all(survivors.map((w) => w.ready));
    for (const w of survivors) w.child.kill('SIGTERM');
    const exits = await Promise.all(survivors.map((w) => w.exited));
    expect(exits, survivors.map((w) => w.output.join('')).join('\n')).toEqual(
      survivors.map(() => ({ code: 0, signal: null })),
    );

    const states = await sql<{ state: string; n: number | string }>`
      select state, count(*) as n from jobs group by state`.execute(handle.db);
    expect(Object.fromEntries(states.rows.map((r) => [r.state, Number(r.n)]))).toEqual({ succeeded: JOBS });
    expect(await count(sql`select count(*) as n from effects`)).toBe(JOBS);
    expect(await count(sql`select count(distinct job_id) as n from effects`)).toBe(JOBS);
    expect(
      await count(sql`select count(*) as n from effects where job_id not in (select id from jobs)`),
    ).toBe(0);
    expect(
      await count(
        sql`select count(*) as n from jobs where lease_owner is not null or lease_expires_at is not null`,
      ),
    ).toBe(0);

    const attempts = await count(sql`select count(*) as n from attempts_log`);
    const rerunJobs = await count(sql`
      select count(*) as n from (select job_id from attempts_log group by job_id having count(*) > 1) as r`);
    const byKilled = await count(sql`
      select count(*) as n from effects e
      where e.pid in (${sql.join(killed.length > 0 ? killed : [-1])})
        and exists (select 1 from attempts_log a where a.job_id = e.job_id and a.at > e.at)`);
    console.info(
      `${dialect}: ${killed.length} workers killed in ${killingEnded - started} ms, queue empty after ` +
        `${finished - started} ms; ${attempts - JOBS} re-runs over ${rerunJobs} jobs; ` +
        `${byKilled} effects written by a killed worker were re-run without a duplicate`,
    );
    expect(killed.length).toBeGreaterThanOrEqual(3);
    expect(rerunJobs).toBeGreaterThan(0);
    expect(attempts).toBeGreaterThan(JOBS);
    // A killed worker's job attempt counts, so the retry shows in the job's own attempt number too.
    expect(await count(sql`select count(*) as n from jobs where attempt > 1`)).toBeGreaterThan(0);
    // Every worker stopped by SIGTERM recorded that it stopped; none is left claiming.
    const stopped = await count(sql`select count(*) as n from workers where stopped_at is not null`);
    expect(stopped).toBe(survivors.length);
  });
});
