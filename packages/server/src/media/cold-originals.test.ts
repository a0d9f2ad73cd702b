import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import type { NewMediaRow } from '../db/schema.ts';
import { jobCatalog } from '../jobs/catalog.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { createRepositories, unitOfWork, type Repositories } from '../repositories/repositories.ts';
import { FsStorage } from '../storage/fs-storage.ts';
import type { ColdTier, Storage } from '../storage/storage.ts';
import { coldSweepHandler } from './cold-originals.ts';
import { processingKey } from './media-job-keys.ts';
import { moveOriginal, requestRestore } from './lifecycle/original-tier.ts';
import { RestoreNotFinishedError, restoreOriginalHandler } from './restore-original.handler.ts';

const DAY_MS = 24 * 3600_000;
const T0 = Date.UTC(2026, 0, 1);

/**
 * The sweep and the restore job over a real database and folder storage, the clock given by
 * hand: which originals move, a move that stopped half-way finished by the next run, and a
 * restore that the provider runs in the background polled until done, then the reprocess.
 */
describe.each(DIALECTS)('cold originals on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  let dir: string;
  let storage: FsStorage;
  let queue: JobQueue<typeof jobCatalog>;
  const clock = { now: T0 };
  const tenant = newId('ten');

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    dir = await mkdtemp(path.join(tmpdir(), 'kino-cold-'));
    storage = new FsStorage(path.join(dir, 'hot'), { coldDir: path.join(dir, 'cold') });
    queue = new JobQueue({
      catalog: jobCatalog,
      repos,
      transaction: unitOfWork(handle),
      tenantConcurrency: 4,
      now: () => clock.now,
    });
    await repos.tenants.create({ id: tenant, name: 't', created_at: 1, updated_at: 1 });
  });
  afterAll(async () => {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function readyMedia(createdAt: number, status: NewMediaRow['status'] = 'ready') {
    const key = newId('upl');
    await storage.put(key, Buffer.from(`original ${key}`));
    const row: NewMediaRow = {
      id: newId('med'),
      tenant_id: tenant,
      title: '',
      description: '',
      tags: '[]',
      visibility: 'public',
      status,
      duration_seconds: 2,
      width: null,
      height: null,
      error_code: null,
      error_message: null,
      source_key: key,
      created_at: createdAt,
      updated_at: createdAt,
    };
    return repos.media.create(row);
  }
  const sweep = (over: Storage = storage) =>
    coldSweepHandler({ transaction: unitOfWork(handle), storage: over, now: () => clock.now })(
      jobContext({ afterDays: 30, batch: 2 }),
    );
  const tierOf = async (id: string) => (await repos.media.get(tenant, id))?.original_tier;

  it('moves ready originals hot for the period, in batches, and spares the young, the busy and the unready', async () => {
    clock.now = T0 + 40 * DAY_MS;
    const old = await Promise.all([1, 2, 3].map((d) => readyMedia(T0 + d)));
    const young = await readyMedia(clock.now - 10 * DAY_MS);
    const processing = await readyMedia(T0, 'processing');
    const busy = await readyMedia(T0);
    await queue.enqueue(repos, {
      type: 'media.process',
      payload: { tenantId: tenant, mediaId: busy.id },
      tenantId: tenant,
      idempotencyKey: processingKey(busy.id),
    });

    // Listed before its reprocess was enqueued: it does not start cooling after all.
    const reprocessed = await readyMedia(T0);
    await queue.enqueue(repos, {
      type: 'media.process',
      payload: { tenantId: tenant, mediaId: reprocessed.id },
      tenantId: tenant,
      idempotencyKey: processingKey(reprocessed.id),
    });
    expect(await moveOriginal(repos, reprocessed, 'cooling-started', clock.now)).toBeUndefined();

    await sweep();
    for (const media of old) {
      expect(await tierOf(media.id)).toBe('cold');
      expect((await storage.coldTier?.tierOf(media.source_key ?? ''))?.tier).toBe('cold');
    }
    for (const media of [young, processing, busy, reprocessed]) expect(await tierOf(media.id)).toBe('hot');
  });

  it('finishes a move that stopped between marking and moving', async () => {
    clock.now = T0 + 80 * DAY_MS;
    const media = await readyMedia(T0 + 41 * DAY_MS);
    const failing: Storage = Object.assign(Object.create(storage) as FsStorage, {
      coldTier: {
        ...(storage.coldTier as ColdTier),
        moveToCold: () => Promise.reject(new Error('disk gone')),
      },
    });
    await sweep(failing);
    expect(await tierOf(media.id)).toBe('cooling');
    expect((await storage.coldTier?.tierOf(media.source_key ?? ''))?.tier).toBe('hot');
    await sweep();
    expect(await tierOf(media.id)).toBe('cold');
    expect((await storage.coldTier?.tierOf(media.source_key ?? ''))?.tier).toBe('cold');
  });

  it('polls a background restore until the original is back, then starts the reprocess', async () => {
    clock.now = T0 + 120 * DAY_MS;
    const media = await readyMedia(T0 + 81 * DAY_MS);
    await sweep();
    expect(await tierOf(media.id)).toBe('cold');
    // An archive: the first two asks say the restore is running, then the object is back.
    let asks = 0;
    const cold = storage.coldTier as ColdTier;
    const archive: Storage = Object.assign(Object.create(storage) as FsStorage, {
      coldTier: {
        ...cold,
        restore: async (key: string) => (++asks <= 2 ? 'restoring' : cold.restore(key)),
      },
    });
    const current = await repos.media.get(tenant, media.id);
    if (!current) throw new Error('gone');
    await unitOfWork(handle)((tx) =>
      requestRestore({ repos: tx, queue, now: clock.now }, current, { reprocess: true }),
    );
    expect(await tierOf(media.id)).toBe('restoring');

    const run = () =>
      restoreOriginalHandler({ repos, transaction: unitOfWork(handle), storage: archive, queue })(
        jobContext({ tenantId: tenant, mediaId: media.id, reprocess: true }),
      );
    await expect(run()).rejects.toBeInstanceOf(RestoreNotFinishedError);
    await expect(run()).rejects.toBeInstanceOf(RestoreNotFinishedError);
    expect(await tierOf(media.id)).toBe('restoring');
    expect(await repos.jobs.unfinishedWithKey(processingKey(media.id))).toBeFalsy();
    await run();
    expect(await tierOf(media.id)).toBe('hot');
    expect((await storage.coldTier?.tierOf(media.source_key ?? ''))?.tier).toBe('hot');
    expect(await repos.jobs.unfinishedWithKey(processingKey(media.id))).toBeTruthy();
    expect((await repos.media.get(tenant, media.id))?.status).toBe('processing');
  });
});

function jobContext<P>(payload: P) {
  return {
    job: {} as never,
    payload,
    signal: new AbortController().signal,
    progress: () => undefined,
  };
}
