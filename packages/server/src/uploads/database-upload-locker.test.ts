import type { RequestRelease } from '@tus/utils';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '../db/database.ts';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import { DatabaseUploadLocker, UploadLockTimeout, type UploadLockTimings } from './database-upload-locker.ts';
import { createRepositories } from '../repositories/repositories.ts';
import type { UploadLocksRepository } from './upload-locks.repository.ts';

const FAST: Partial<UploadLockTimings> = {
  leaseMs: 400,
  renewEveryMs: 50,
  retryEveryMs: 20,
  acquireTimeoutMs: 3000,
};

describe.each(DIALECTS)('the database upload locker on %s', (dialect) => {
  let database: DatabaseHandle;
  let repo: UploadLocksRepository;
  /** A locker per simulated API process. */
  const processLocker = (timings: Partial<UploadLockTimings> = FAST) =>
    new DatabaseUploadLocker(repo, timings);
  let n = 0;
  const uploadId = () => `upl_test${String(++n)}`;
  const never = new AbortController().signal;

  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    repo = createRepositories(database.db, database.dialect).uploadLocks;
  });
  afterAll(() => database.close());

  it('gives the lock to one request at a time, across processes', async () => {
    const id = uploadId();
    const first = processLocker().newLock(id);
    await first.lock(never, () => undefined);
    const second = processLocker().newLock(id);
    let secondHasIt = false;
    const waiting = second.lock(never, () => undefined).then(() => (secondHasIt = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(secondHasIt).toBe(false);
    await first.unlock();
    await waiting;
    expect(secondHasIt).toBe(true);
    await second.unlock();
    // Released: the next one takes it at once.
    const third = processLocker().newLock(id);
    await third.lock(never, () => undefined);
    await third.unlock();
  });

  it("asks the holder in another process to let go (tus's requestRelease)", async () => {
    const id = uploadId();
    const holder = processLocker().newLock(id);
    const release = vi.fn<RequestRelease>(async () => {
      // As tus does: the holder's request stops, and it unlocks.
      await holder.unlock();
    });
    await holder.lock(never, release);
    const startedAt = Date.now();
    const contender = processLocker().newLock(id);
    await contender.lock(never, () => undefined);
    expect(release).toHaveBeenCalled();
    expect(Date.now() - startedAt).toBeLessThan(1000);
    await contender.unlock();
  });

  it('asks a holder in the same process at once', async () => {
    const locker = processLocker({ ...FAST, renewEveryMs: 60_000 });
    const id = uploadId();
    const holder = locker.newLock(id);
    const release = vi.fn<RequestRelease>(() => holder.unlock());
    await holder.lock(never, release);
    const contender = locker.newLock(id);
    await contender.lock(never, () => undefined);
    expect(release).toHaveBeenCalled();
    await contender.unlock();
  });

  it('lets the lock of a holder that vanished lapse after its lease', async () => {
    const id = uploadId();
    // What a killed process leaves behind: a row nobody renews.
    expect(await repo.tryAcquire(id, 'killed-process', 300)).toBe(true);
    const startedAt = Date.now();
    const next = processLocker().newLock(id);
    await next.lock(never, () => undefined);
    const waited = Date.now() - startedAt;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2000);
    await next.unlock();
  });

  it('keeps a live holder’s lock past its lease by renewing it', async () => {
    const id = uploadId();
    const holder = processLocker().newLock(id);
    await holder.lock(never, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await repo.tryAcquire(id, 'someone-else', 400)).toBe(false);
    await holder.unlock();
  });

  it('tells a holder that lost its lease to stop', async () => {
    const id = uploadId();
    const release = vi.fn<RequestRelease>();
    const holder = processLocker({ ...FAST, renewEveryMs: 600, leaseMs: 100 }).newLock(id);
    await holder.lock(never, release);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The lease ran out before the holder renewed (a stalled process): another request took it.
    expect(await repo.tryAcquire(id, 'the-next-request', 5000)).toBe(true);
    await vi.waitFor(
      () => {
        expect(release).toHaveBeenCalled();
      },
      { timeout: 2000 },
    );
    await holder.unlock();
    // The holder's unlock leaves the new holder's lock alone.
    expect(await repo.tryAcquire(id, 'a-third', 5000)).toBe(false);
  });

  it('gives up waiting after the timeout, or when the request is aborted', async () => {
    const id = uploadId();
    const stubborn = processLocker().newLock(id);
    await stubborn.lock(never, () => undefined);
    const impatient = processLocker({ ...FAST, acquireTimeoutMs: 200 }).newLock(id);
    await expect(impatient.lock(never, () => undefined)).rejects.toBeInstanceOf(UploadLockTimeout);
    const aborted = new AbortController();
    const waiting = processLocker()
      .newLock(id)
      .lock(aborted.signal, () => undefined);
    setTimeout(() => {
      aborted.abort();
    }, 50);
    await expect(waiting).rejects.toBeInstanceOf(UploadLockTimeout);
    await stubborn.unlock();
  });
});
