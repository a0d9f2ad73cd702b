import type { StatsFs } from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MediaRow } from '../db/schema.ts';
import type { JobContext } from '../jobs/job-registry.ts';
import { PermanentJobError } from '../jobs/job-errors.ts';
import { openTestDatabase } from '../../test/databases.ts';
import { createTenant, testQueue } from '../../test/job-fixtures.ts';
import type { Storage } from '../storage/storage.ts';
import {
  FREE_DISK_FLOOR_BYTES,
  NotEnoughDiskError,
  bytesNeeded,
  diskSpaceProbe,
  diskSpaceVerdict,
  freeBytes,
} from './disk-space.ts';
import { encodeMediaHandler } from './encode-media.handler.ts';
import { processMediaHandler, type ProcessDeps } from './process-media.handler.ts';
import type { MediaPayload } from './processing-steps.ts';

const GIB = 1024 ** 3;

describe('the free disk a processing job needs', () => {
  it('is a few times the source plus a floor', () => {
    expect(bytesNeeded(0)).toBe(FREE_DISK_FLOOR_BYTES);
    expect(bytesNeeded(2 * GIB)).toBe(3 * 2 * GIB + FREE_DISK_FLOOR_BYTES);
  });

  it('lets a job start with room to spare, and says why not otherwise', () => {
    expect(diskSpaceVerdict(100 * GIB, 10 * GIB)).toBeNull();
    expect(diskSpaceVerdict(bytesNeeded(GIB), GIB)).toBeNull();
    const verdict = diskSpaceVerdict(bytesNeeded(GIB) - 1, GIB);
    expect(verdict).toMatch(/^not enough free disk for the work folder: 4\.00 GiB free, 4\.00 GiB needed/);
    // Below the floor even a tiny source waits.
    expect(diskSpaceVerdict(FREE_DISK_FLOOR_BYTES / 2, 1000)).toContain('0.50 GiB free');
  });
});

describe('free bytes of a folder', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reads the real filesystem, through the nearest existing parent of a missing folder', async () => {
    const free = await freeBytes(`${os.tmpdir()}/kino-not-there-yet/work`);
    expect(free).toBeGreaterThan(0);
  });
});

describe('processing handlers on an almost full disk', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A filesystem with `free` bytes available. */
  const almostFull = (free: number) =>
    vi
      .spyOn(diskSpaceProbe, 'statfs')
      .mockResolvedValue({ bsize: 4096, bavail: Math.floor(free / 4096) } as unknown as StatsFs);

  const deps = (sourceSize: number) => {
    const storage = { get: vi.fn(), head: vi.fn() };
    const media = {
      id: 'med_1',
      tenant_id: 'ten_1',
      source_key: 'upl_1',
      source_size: sourceSize,
    } as MediaRow;
    return {
      storage,
      deps: {
        repos: { media: { get: vi.fn(() => Promise.resolve(media)) } },
        storage: storage as unknown as Storage,
        workRoot: os.tmpdir(),
      } as unknown as ProcessDeps,
    };
  };
  const ctx = {
    payload: { tenantId: 'ten_1', mediaId: 'med_1' },
    signal: new AbortController().signal,
    progress: () => undefined,
    job: { id: 'job_1', attempt: 1 },
  } as unknown as JobContext<MediaPayload>;

  it.each([
    ['media.process', processMediaHandler],
    ['media.encode', encodeMediaHandler],
  ])('%s fails the attempt as retryable before fetching the source', async (_type, makeHandler) => {
    almostFull(500 * 1024 ** 2);
    const { deps: d, storage } = deps(2 * GIB);
    const attempt = makeHandler(d)(ctx);
    await expect(attempt).rejects.toBeInstanceOf(NotEnoughDiskError);
    await expect(attempt).rejects.not.toBeInstanceOf(PermanentJobError);
    await expect(attempt).rejects.toThrow(/not enough free disk/);
    expect(storage.get).not.toHaveBeenCalled();
  });

  it('leaves the job retrying, with the reason as its error', async () => {
    almostFull(100 * 1024 ** 2);
    const { deps: d } = deps(GIB);
    const err = await processMediaHandler(d)(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotEnoughDiskError);

    // What the worker does with a failed attempt: the queue decides from the error.
    const database = await openTestDatabase('sqlite');
    try {
      const { queue, repos } = testQueue(database);
      const tenantId = await createTenant(repos);
      await queue.enqueue(repos, { type: 'test.effect', payload: { n: 1, sleepMs: 0 }, tenantId });
      const [job] = await queue.claim('worker-1', 1, 60_000);
      if (!job) throw new Error('no job claimed');
      expect(await queue.fail(job, 'worker-1', err)).toEqual({ state: 'retrying', saved: true });
      const row = await database.db
        .selectFrom('jobs')
        .selectAll()
        .where('id', '=', job.id)
        .executeTakeFirstOrThrow();
      expect(row.state).toBe('retrying');
      expect(row.last_error).toContain('not enough free disk');
    } finally {
      await database.close();
    }
  });
});
