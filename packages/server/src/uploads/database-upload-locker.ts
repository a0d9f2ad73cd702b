import { isReadOnlyDatabaseError } from '../db/read-only-error.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';
import { randomToken } from '../lib/ids.ts';
import type { UploadLocksRepository } from './upload-locks.repository.ts';

export interface UploadLockTimings {
  /** How long a lock outlives its holder's last renewal: a dead process's uploads resume after this. */
  leaseMs: number;
  /** How often a holder renews its lease and looks for a release request. */
  renewEveryMs: number;
  /** How often a waiting request tries again. */
  retryEveryMs: number;
  /** A request gives up waiting after this (tus answers 500): longer than a lease plus tus's drain time. */
  acquireTimeoutMs: number;
}

/** tus's own lock timeout (a 500 to the client), as an Error: tus reads its status_code and body. */
export class UploadLockTimeout extends Error {
  readonly status_code = ERRORS.ERR_LOCK_TIMEOUT.status_code;
  readonly body = ERRORS.ERR_LOCK_TIMEOUT.body;
  constructor() {
    super(ERRORS.ERR_LOCK_TIMEOUT.body);
  }
}

/**
 * The lock of a creation (POST): nobody else can reach an upload before its creation answers with
 * its URL, so there is nothing to keep apart and no lock row to write and delete.
 */
export const creationLocker: Locker = {
  newLock: () => ({ lock: () => Promise.resolve(), unlock: () => Promise.resolve() }),
};

export const DEFAULT_UPLOAD_LOCK_TIMINGS: UploadLockTimings = {
  leaseMs: 5000,
  renewEveryMs: 1000,
  retryEveryMs: 100,
  acquireTimeoutMs: 15_000,
};

/**
 * tus's Locker across processes: a lock is a row in the database held for a lease that its
 * holder renews while the request runs. A request that wants a held lock flags the row; the
 * holder sees the flag on its next renewal and calls tus's `requestRelease`, which stops its
 * PATCH. Inside one process the holder is asked at once. A process that dies stops renewing,
 * so its locks lapse after one lease and the client resumes through another process.
 */
export class DatabaseUploadLocker implements Locker {
  /** Locks held by this process's requests, so a request here asks a holder here without waiting. */
  readonly held = new Map<string, RequestRelease>();
  readonly timings: UploadLockTimings;

  constructor(
    readonly repo: UploadLocksRepository,
    timings: Partial<UploadLockTimings> = {},
    readonly onError: (err: unknown, uploadId: string) => void = () => undefined,
  ) {
    this.timings = { ...DEFAULT_UPLOAD_LOCK_TIMINGS, ...timings };
  }

  newLock(id: string): Lock {
    return new DatabaseUploadLock(id, this);
  }
}

class DatabaseUploadLock implements Lock {
  private readonly owner = randomToken(12);
  private renewal: NodeJS.Timeout | undefined;
  private requestRelease: RequestRelease | undefined;
  private renewing = false;
  private unlocked = false;

  constructor(
    private readonly id: string,
    private readonly locker: DatabaseUploadLocker,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { repo, timings, held } = this.locker;
    const deadline = Date.now() + timings.acquireTimeoutMs;
    const acquire = () =>
      repo.tryAcquire(this.id, this.owner, timings.leaseMs).catch((err: unknown) => {
        // A standby database: this process refuses every upload write, so a read needs no lock.
        if (!isReadOnlyDatabaseError(err)) throw err;
        this.unlocked = true;
        return true;
      });
    while (!(await acquire())) {
      await held.get(this.id)?.();
      await repo.requestRelease(this.id, this.owner);
      const wait = Math.min(timings.retryEveryMs, deadline - Date.now());
      if (wait <= 0 || signal.aborted) throw new UploadLockTimeout();
      try {
        await sleep(wait, undefined, { signal });
      } catch {
        throw new UploadLockTimeout();
      }
    }
    if (this.unlocked) return;
    this.requestRelease = requestRelease;
    held.set(this.id, requestRelease);
    this.renewal = setInterval(() => void this.renew(requestRelease), timings.renewEveryMs);
    this.renewal.unref();
  }

  private async renew(requestRelease: RequestRelease): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      const state = await this.locker.repo.renew(this.id, this.owner, this.locker.timings.leaseMs);
      // Asked to let go, or the lease lapsed and another request holds it now: stop writing.
      if (!state || state.releaseRequested) await requestRelease();
    } catch (err) {
      // The lease covers a passing database error; a longer one lets it lapse, as a dead process would.
      this.locker.onError(err, this.id);
    } finally {
      this.renewing = false;
    }
  }

  async unlock(): Promise<void> {
    if (this.unlocked) return;
    clearInterval(this.renewal);
    this.renewal = undefined;
    const { held, repo } = this.locker;
    if (held.get(this.id) === this.requestRelease) held.delete(this.id);
    try {
      await repo.release(this.id, this.owner);
    } catch (err) {
      // The request's answer stands; the row lapses with its lease.
      this.locker.onError(err, this.id);
    }
  }
}
