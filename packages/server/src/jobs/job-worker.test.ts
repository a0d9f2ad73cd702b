import pino from 'pino';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, testCatalog, testQueue, type TestCatalog } from '../../test/job-fixtures.ts';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import type { Repositories } from '../repositories/repositories.ts';
import type { JobQueue } from './job-queue.ts';
import { defineJobCatalog, JobHandlers, type JobHandler } from './job-registry.ts';
import { JobWorker } from './job-worker.ts';

const logger = pino({ level: 'silent' });
const FAST = { concurrency: 2, leaseMs: 2_000, heartbeatMs: 50, pollMs: 20 };

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits for the abort signal; resolves never otherwise. */
const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => {
      reject(signal.reason as Error);
    });
  });

describe.each(DIALECTS)('JobWorker on %s', (dialect) => {
  let handle: DatabaseHandle;
  let queue: JobQueue<TestCatalog>;
  let repos: Repositories;
  let tenant: string;

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    ({ queue, repos } = testQueue(handle));
    tenant = await createTenant(repos);
  });
  afterAll(() => handle.close());

  function worker(effect: JobHandler<{ n: number; sleepMs: number }>, slow?: JobHandler<{ ms: number }>) {
    const handlers = new JobHandlers(testCatalog)
      .on('test.effect', effect)
      .on('test.urgent', async () => undefined)
      .on('test.slow', slow ?? (async () => undefined));
    return new JobWorker({ queue, handlers, jobs: repos.jobs, logger }, FAST);
  }

  it('runs a job to success and keeps its reported progress', async () => {
    const w = worker(async ({ progress }) => {
      progress(50, 'half way');
      await new Promise((r) => setTimeout(r, 200));
    });
    w.start();
    const { job } = await queue.add({ type: 'test.effect', payload: { n: 1, sleepMs: 0 }, tenantId: tenant });
    w.wake();
    await until(async () => (await repos.jobs.get(job.id))?.progress_message === 'half way');
    const done = await until(async () => {
      const j = await repos.jobs.get(job.id);
      return j?.state === 'succeeded' && j;
    });
    expect(done).toMatchObject({ attempt: 1, progress_percent: 100, lease_owner: null });
    await w.stop();
  });

  it('aborts an attempt at its timeout and schedules a retry', async () => {
    const w = worker(
      async () => undefined,
      async ({ signal }) => untilAborted(signal),
    );
    w.start();
    const { job } = await queue.add({ type: 'test.slow', payload: { ms: 10_000 }, tenantId: tenant });
    const failed = await until(async () => {
      const j = await repos.jobs.get(job.id);
      return j?.state === 'retrying' && j;
    });
    expect(failed.last_error).toMatch(/timed out after 1000 ms/);
    await w.stop();
  });

  it('stops a running job that is cancelled and keeps it cancelled', async () => {
    let sawAbort = false;
    const w = worker(async ({ signal }) => {
      await untilAborted(signal).catch((err: unknown) => {
        sawAbort = true;
        throw err;
      });
    });
    w.start();
    const { job } = await queue.add({ type: 'test.effect', payload: { n: 2, sleepMs: 0 }, tenantId: tenant });
    await until(async () => (await repos.jobs.get(job.id))?.state === 'running');
    await queue.cancel(job.id);
    await until(async () => sawAbort);
    await until(async () => w.activeJobs === 0);
    expect(await repos.jobs.get(job.id)).toMatchObject({ state: 'cancelled' });
    await w.stop();
  });

  it('lets running jobs finish within the grace period when stopping', async () => {
    const w = worker(async () => new Promise((r) => setTimeout(r, 300)));
    w.start();
    const { job } = await queue.add({ type: 'test.effect', payload: { n: 3, sleepMs: 0 }, tenantId: tenant });
    await until(async () => (await repos.jobs.get(job.id))?.state === 'running');
    await w.stop(5_000);
    expect(await repos.jobs.get(job.id)).toMatchObject({ state: 'succeeded' });
  });

  it('hands jobs back, attempt uncounted, when they outlast the grace period', async () => {
    const w = worker(async ({ signal }) => untilAborted(signal));
    w.start();
    const { job } = await queue.add({ type: 'test.effect', payload: { n: 4, sleepMs: 0 }, tenantId: tenant });
    await until(async () => (await repos.jobs.get(job.id))?.state === 'running');
    await w.stop(100);
    expect(await repos.jobs.get(job.id)).toMatchObject({ state: 'available', attempt: 0, lease_owner: null });
    await queue.cancel(job.id);
  });

  it('ends a job with an invalid payload dead, without retrying', async () => {
    const w = worker(async () => undefined);
    const { job } = await queue.add({ type: 'test.effect', payload: { n: 5, sleepMs: 0 }, tenantId: tenant });
    await handle.db.updateTable('jobs').set({ payload: '{"n":"five"}' }).where('id', '=', job.id).execute();
    w.start();
    const dead = await until(async () => {
      const j = await repos.jobs.get(job.id);
      return j?.state === 'dead' && j;
    });
    expect(dead.last_error).toMatch(/^PermanentJobError: invalid payload/);
    await w.stop();
  });
});

describe('job catalogue and handlers', () => {
  it('refuses a timeout that reads like seconds', () => {
    expect(() =>
      defineJobCatalog({ 'x.y': { payload: z.object({}), priority: 1, maxAttempts: 3, timeoutMs: 30 } }),
    ).toThrow(/timeoutMs 30 is outside .* \(milliseconds, not seconds\)/);
  });

  it('refuses a missing handler at start and a handler defined twice', () => {
    const handlers = new JobHandlers(testCatalog).on('test.effect', async () => undefined);
    expect(() => handlers.assertComplete()).toThrow('no handler for job type(s): test.urgent, test.slow');
    expect(() => handlers.on('test.effect', async () => undefined)).toThrow(/two handlers/);
    expect(() => new JobHandlers(testCatalog).on('nope' as 'test.effect', async () => undefined)).toThrow(
      /not in the catalogue/,
    );
  });
});
