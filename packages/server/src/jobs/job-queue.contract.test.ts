import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTenant, testQueue, type TestCatalog } from '../../test/job-fixtures.ts';
import { DIALECTS, freshDatabaseConfig } from '../../test/databases.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { JobScheduler } from './job-scheduler.ts';
import type { JobQueue } from './job-queue.ts';
import { PermanentJobError } from './job-errors.ts';
import type { DatabaseConfig } from '../config/config.ts';

const silent = { error() {}, warn() {}, info() {} } as never;

describe.each(DIALECTS)('job queue contract on %s', (dialect) => {
  let config: DatabaseConfig;
  let handle: DatabaseHandle;
  let queue: JobQueue<TestCatalog>;
  let repos: Repositories;
  let clock = 1_000_000;
  const now = () => clock;
  let tenant: string;

  beforeAll(async () => {
    config = await freshDatabaseConfig(dialect);
    handle = openDatabase(config);
    await migrateToLatest(handle.db);
  });
  afterAll(() => handle.close());
  beforeEach(async () => {
    // Each test sees an empty queue and its own tenant.
    await handle.db.deleteFrom('jobs').execute();
    clock += 10_000_000;
    ({ queue, repos } = testQueue(handle, { now }));
    tenant = await createTenant(repos);
  });

  const effect = (n: number, extra: object = {}) =>
    queue.add({ type: 'test.effect', payload: { n, sleepMs: 0 }, tenantId: tenant, ...extra });

  it('claims a due job once, running, with a lease and a counted attempt', async () => {
    const { job } = await effect(1);
    expect(job).toMatchObject({ state: 'available', attempt: 0, priority: 50, max_attempts: 20 });
    const [claimed] = await queue.claim('w1', 5, 30_000);
    expect(claimed).toMatchObject({ id: job.id, state: 'running', attempt: 1, lease_owner: 'w1' });
    expect(claimed?.lease_expires_at).toBe(clock + 30_000);
    expect(await queue.claim('w2', 5, 30_000)).toEqual([]);
  });

  it('gives every job to exactly one of many concurrent claimers', async () => {
    for (let i = 0; i < 60; i++) await effect(i);
    // PostgreSQL claimers each get their own connection pool. SQLite's driver is synchronous, so
    // in one process there is one connection; other processes are covered by the fault test.
    const handles = dialect === 'postgres' ? [handle, openDatabase(config), openDatabase(config)] : [handle];
    try {
      const queues = handles.map((h) => testQueue(h, { now }).queue);
      const claims = await Promise.all(
        queues.flatMap((q, qi) => [0, 1, 2, 3].map((k) => q.claim(`w${qi}-${k}`, 8, 30_000))),
      );
      const more = await Promise.all(queues.map((q, qi) => q.claim(`late${qi}`, 60, 30_000)));
      const ids = [...claims, ...more].flat().map((j) => j.id);
      expect(ids.length).toBe(60);
      expect(new Set(ids).size).toBe(60);
    } finally {
      await Promise.all(handles.slice(1).map((h) => h.close()));
    }
  });

  it('keeps one unfinished job per idempotency key', async () => {
    const first = await effect(1, { idempotencyKey: 'media:1:process' });
    const again = await effect(2, { idempotencyKey: 'media:1:process' });
    expect(again).toMatchObject({ created: false, job: { id: first.job.id } });
    const [claimed] = await queue.claim('w', 1, 30_000);
    expect(await queue.complete(claimed!, 'w')).toBe(true);
    const after = await effect(3, { idempotencyKey: 'media:1:process' });
    expect(after.created).toBe(true);
    expect(after.job.id).not.toBe(first.job.id);
  });

  it('claims by priority, then run time', async () => {
    const late = await effect(1);
    clock += 1;
    const urgent = await queue.add({ type: 'test.urgent', payload: {}, tenantId: tenant });
    const future = await effect(2, { runAt: clock + 60_000 });
    const claimed = await queue.claim('w', 10, 30_000);
    expect(claimed.map((j) => j.id)).toEqual([urgent.job.id, late.job.id]);
    for (const job of claimed) await queue.complete(job, 'w');
    clock += 60_000;
    expect((await queue.claim('w', 10, 30_000)).map((j) => j.id)).toEqual([future.job.id]);
  });

  it("starts a small tenant's jobs within a few claims of a big tenant's backlog", async () => {
    const big = tenant;
    const small = await createTenant(repos, 'small');
    const rows = Array.from({ length: 1000 }, (_, i) => i);
    for (const n of rows) await effect(n);
    clock += 1;
    const smallIds = new Set<string>();
    for (let n = 0; n < 5; n++) {
      smallIds.add(
        (await queue.add({ type: 'test.effect', payload: { n, sleepMs: 0 }, tenantId: small })).job.id,
      );
    }
    const started: string[] = [];
    for (let i = 0; i < 12; i++) {
      clock += 1;
      const [job] = await queue.claim('w', 1, 30_000);
      started.push(job!.tenant_id === small ? 'small' : 'big');
      await queue.complete(job!, 'w');
    }
    expect(started.slice(0, 10).filter((t) => t === 'small')).toHaveLength(5);
    expect(started.filter((t) => t === 'big').length).toBeGreaterThan(0);
    expect(big).not.toBe(small);
  });

  it('caps how many jobs one tenant runs at once', async () => {
    const capped = testQueue(handle, { now, tenantConcurrency: 2 }).queue;
    const other = await createTenant(repos, 'other');
    for (let i = 0; i < 5; i++) await effect(i);
    await queue.add({ type: 'test.effect', payload: { n: 9, sleepMs: 0 }, tenantId: other });
    const first = await capped.claim('w', 10, 30_000);
    expect(first.filter((j) => j.tenant_id === tenant)).toHaveLength(2);
    expect(first.filter((j) => j.tenant_id === other)).toHaveLength(1);
    expect(await capped.claim('w', 10, 30_000)).toEqual([]);
    await capped.complete(
      first.find((j) => j.tenant_id === tenant)!,
      'w',
    );
    expect(await capped.claim('w', 10, 30_000)).toHaveLength(1);
  });

  it('returns a job to the queue when its lease expires, and refuses the old owner', async () => {
    const { job } = await effect(1);
    const [mine] = await queue.claim('dead-worker', 1, 1_000);
    expect(await queue.heartbeat(mine!, 'dead-worker', 1_000)).toBe(true);
    clock += 500;
    expect(await queue.claim('w2', 1, 1_000)).toEqual([]);
    clock += 2_000;
    const [taken] = await queue.claim('w2', 1, 1_000);
    expect(taken).toMatchObject({ id: job.id, attempt: 2, lease_owner: 'w2' });
    expect(await queue.complete(mine!, 'dead-worker')).toBe(false);
    expect(await queue.heartbeat(mine!, 'dead-worker', 1_000)).toBe(false);
    expect(await queue.complete(taken!, 'w2')).toBe(true);
  });

  it('lets a job die when its last attempt loses its worker', async () => {
    const { job } = await effect(1, { maxAttempts: 1 });
    await queue.claim('w', 1, 1_000);
    clock += 5_000;
    expect(await queue.claim('w', 1, 1_000)).toEqual([]);
    expect(await repos.jobs.get(job.id)).toMatchObject({
      state: 'dead',
      last_error: expect.stringMatching(/lease/),
    });
  });

  it('retries with backoff, dies after its attempts, and never retries a permanent error', async () => {
    const { job } = await effect(1, { maxAttempts: 2 });
    let [claimed] = await queue.claim('w', 1, 30_000);
    expect(await queue.fail(claimed!, 'w', new Error('network hiccup'))).toEqual({
      state: 'retrying',
      saved: true,
    });
    const waiting = await repos.jobs.get(job.id);
    expect(waiting).toMatchObject({ state: 'retrying', last_error: 'network hiccup' });
    expect(waiting!.run_at).toBeGreaterThan(clock);
    expect(await queue.claim('w', 1, 30_000)).toEqual([]);
    clock = waiting!.run_at;
    [claimed] = await queue.claim('w', 1, 30_000);
    expect(claimed?.attempt).toBe(2);
    expect((await queue.fail(claimed!, 'w', new Error('again'))).state).toBe('dead');

    const bad = await effect(2);
    const [b] = await queue.claim('w', 1, 30_000);
    await queue.fail(b!, 'w', new PermanentJobError('not a video'));
    expect(await repos.jobs.get(bad.job.id)).toMatchObject({
      state: 'dead',
      attempt: 1,
      last_error: 'PermanentJobError: not a video',
    });
  });

  it('records progress with the heartbeat and stops a cancelled job at its next one', async () => {
    const { job } = await effect(1);
    const [claimed] = await queue.claim('w', 1, 30_000);
    await queue.heartbeat(claimed!, 'w', 30_000, { percent: 40, message: 'encoding 720p' });
    expect(await repos.jobs.get(job.id)).toMatchObject({
      progress_percent: 40,
      progress_message: 'encoding 720p',
    });
    await queue.cancel(job.id);
    expect(await queue.heartbeat(claimed!, 'w', 30_000)).toBe(false);
    expect(await queue.complete(claimed!, 'w')).toBe(false);
    expect(await repos.jobs.get(job.id)).toMatchObject({ state: 'cancelled' });
    await expect(queue.cancel(job.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('retries a dead job on request, and scopes cancel and retry by tenant', async () => {
    const { job } = await effect(1, { maxAttempts: 1 });
    const [claimed] = await queue.claim('w', 1, 30_000);
    await queue.fail(claimed!, 'w', new Error('boom'));
    const stranger = await createTenant(repos, 'stranger');
    await expect(queue.retry(job.id, stranger)).rejects.toMatchObject({ code: 'not_found' });
    expect(await queue.retry(job.id, tenant)).toMatchObject({ state: 'available', attempt: 0 });
    await expect(queue.retry(job.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('runs a parent only after all its children finished, whatever their outcome', async () => {
    const parent = await effect(0);
    // The parent's own row exists first; children hold it back until they finish.
    const children = [];
    for (let i = 1; i <= 3; i++) children.push(await effect(i, { parentId: parent.job.id, maxAttempts: 1 }));
    expect((await repos.jobs.get(parent.job.id))?.pending_children).toBe(3);
    const claimed = await queue.claim('w', 10, 30_000);
    expect(claimed.map((j) => j.id).sort()).toEqual(children.map((c) => c.job.id).sort());
    await queue.complete(claimed[0]!, 'w');
    await queue.fail(claimed[1]!, 'w', new Error('rung failed'));
    expect(await queue.claim('w', 10, 30_000)).toEqual([]);
    await queue.cancel(claimed[2]!.id);
    const [joined] = await queue.claim('w', 10, 30_000);
    expect(joined?.id).toBe(parent.job.id);
    expect((await repos.jobs.children(parent.job.id)).map((c) => c.state).sort()).toEqual([
      'cancelled',
      'dead',
      'succeeded',
    ]);
  });

  it('hands a released job back without counting the attempt', async () => {
    const { job } = await effect(1);
    const [claimed] = await queue.claim('w', 1, 30_000);
    expect(await queue.release([claimed!], 'w')).toBe(1);
    expect(await repos.jobs.get(job.id)).toMatchObject({ state: 'available', attempt: 0, lease_owner: null });
  });

  it('enqueues a recurring job once per period across processes', async () => {
    const schedules = [
      {
        name: `every-minute-${dialect}-${clock}`,
        everyMs: 60_000,
        type: 'test.urgent' as const,
        payload: {},
      },
    ];
    const schedulers = [0, 1, 2].map(
      () =>
        new JobScheduler({
          queue,
          transaction: testQueue(handle, { now }).queue['deps'].transaction,
          logger: silent,
          schedules,
        }),
    );
    const first = await Promise.all(schedulers.map((s) => s.tick(clock)));
    expect(first.flat()).toHaveLength(1);
    expect((await Promise.all(schedulers.map((s) => s.tick(clock + 1_000)))).flat()).toHaveLength(0);
    const [job] = await queue.claim('w', 5, 30_000);
    await queue.complete(job!, 'w');
    expect((await Promise.all(schedulers.map((s) => s.tick(clock + 60_000)))).flat()).toHaveLength(1);
  });

  it('prunes old finished jobs only', async () => {
    const old = await effect(1);
    const [claimed] = await queue.claim('w', 1, 30_000);
    await queue.complete(claimed!, 'w');
    const waiting = await effect(2);
    clock += 100_000;
    expect(await repos.jobs.pruneFinished(clock - 50_000)).toBe(1);
    expect(await repos.jobs.get(old.job.id)).toBeUndefined();
    expect(await repos.jobs.get(waiting.job.id)).toBeDefined();
  });
});
