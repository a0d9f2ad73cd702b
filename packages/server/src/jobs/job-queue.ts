import type { JobRow } from '../db/schema.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { ApiError } from '../http/problem.ts';
import { newId } from '../lib/ids.ts';
import { retryDelayMs } from './backoff.ts';
import { describeError, PermanentJobError } from './job-errors.ts';
import type { JobCatalog, JobType, PayloadOf } from './job-registry.ts';

export interface EnqueueSpec<C extends JobCatalog, T extends JobType<C>> {
  type: T;
  payload: PayloadOf<C, T>;
  tenantId?: string | null;
  priority?: number;
  runAt?: number;
  /** At most one unfinished job holds a key; enqueuing it again returns that job. */
  idempotencyKey?: string;
  /** The job to run when this one and its siblings have finished (fan-out, then join). */
  parentId?: string;
  timeoutMs?: number;
  maxAttempts?: number;
}

export interface JobQueueDeps<C extends JobCatalog> {
  catalog: C;
  repos: Pick<Repositories, 'jobs'>;
  transaction: UnitOfWork;
  /** Most jobs one tenant runs at once across all workers (others wait their turn). */
  tenantConcurrency: number;
  now?: () => number;
  /** Called after an enqueue, so a worker in this process can start without waiting to poll. */
  onEnqueued?: () => void;
}

/** How often a claiming process looks for jobs whose worker died. */
const RESCUE_EVERY_MS = 1_000;

/** The durable queue's operations; the SQL is in JobsRepository, the loop in JobWorker. */
export class JobQueue<C extends JobCatalog> {
  readonly now: () => number;
  private lastRescueAt = -Infinity;

  constructor(private readonly deps: JobQueueDeps<C>) {
    this.now = deps.now ?? Date.now;
  }

  get catalog(): C {
    return this.deps.catalog;
  }

  /**
   * Adds a job. Pass the repositories of the caller's unit of work so the job is enqueued in the
   * same transaction as the state change it belongs to.
   */
  async enqueue<T extends JobType<C>>(
    repos: Pick<Repositories, 'jobs'>,
    spec: EnqueueSpec<C, T>,
  ): Promise<{ job: JobRow; created: boolean }> {
    const type = this.deps.catalog[spec.type];
    if (!type) throw new Error(`unknown job type '${spec.type}'`);
    const payload: unknown = type.payload.parse(spec.payload);
    const now = this.now();
    const result = await repos.jobs.insert({
      id: newId('job', now),
      type: spec.type,
      payload: JSON.stringify(payload),
      tenant_id: spec.tenantId ?? null,
      priority: spec.priority ?? type.priority,
      state: 'available',
      attempt: 0,
      max_attempts: spec.maxAttempts ?? type.maxAttempts,
      timeout_ms: spec.timeoutMs ?? type.timeoutMs,
      run_at: spec.runAt ?? now,
      lease_owner: null,
      lease_expires_at: null,
      progress_percent: null,
      progress_message: null,
      last_error: null,
      idempotency_key: spec.idempotencyKey ?? null,
      parent_id: spec.parentId ?? null,
      pending_children: 0,
      created_at: now,
      updated_at: now,
      started_at: null,
      finished_at: null,
    });
    this.deps.onEnqueued?.();
    return result;
  }

  /** Enqueues in a transaction of its own. */
  add<T extends JobType<C>>(spec: EnqueueSpec<C, T>): Promise<{ job: JobRow; created: boolean }> {
    return this.deps.transaction((repos) => this.enqueue(repos, spec));
  }

  /**
   * Takes up to `limit` due jobs for `owner`, after returning expired leases to the queue; with
   * `maxPriority`, only jobs of that priority or less (a lane reserved for them).
   */
  claim(
    owner: string,
    limit: number,
    leaseMs: number,
    opts: { maxPriority?: number } = {},
  ): Promise<JobRow[]> {
    const now = this.now();
    const take = (repos: Pick<Repositories, 'jobs'>) =>
      repos.jobs.claim(owner, {
        limit,
        tenantCap: this.deps.tenantConcurrency,
        leaseUntil: now + leaseMs,
        now,
        ...(opts.maxPriority !== undefined && { maxPriority: opts.maxPriority }),
      });
    // Expired leases are rare and a second late is harmless: look for them once a second, not on
    // every claim of a busy worker. A claim on its own is a single statement on PostgreSQL, which
    // needs no transaction around it; SQLite's takes several, inside one immediate transaction.
    const rescueDue = now - this.lastRescueAt >= RESCUE_EVERY_MS;
    if (!rescueDue && this.deps.repos.jobs.claimsInOneStatement) return take(this.deps.repos);
    return this.deps.transaction(async (repos) => {
      if (rescueDue) {
        await repos.jobs.rescueExpired(now);
        this.lastRescueAt = now;
      }
      return take(repos);
    });
  }

  heartbeat(
    job: JobRow,
    owner: string,
    leaseMs: number,
    progress?: { percent: number; message: string | null },
  ) {
    const now = this.now();
    return this.deps.repos.jobs.heartbeat(job.id, owner, now + leaseMs, now, progress);
  }

  complete(job: JobRow, owner: string): Promise<boolean> {
    return this.completeMany([job], owner).then(([owned]) => owned ?? false);
  }

  /**
   * Records that these jobs succeeded; for each, false when this worker no longer owned it.
   * Jobs without a parent to update take one statement between them.
   */
  async completeMany(jobs: JobRow[], owner: string): Promise<boolean[]> {
    const now = this.now();
    const ids = jobs.map((j) => j.id);
    const done = jobs.some((j) => j.parent_id)
      ? await this.deps.transaction((repos) => repos.jobs.completeMany(ids, owner, now))
      : await this.deps.repos.jobs.completeMany(ids, owner, now);
    const owned = new Set(done);
    return ids.map((id) => owned.has(id));
  }

  /** Records a failed attempt: permanent errors and the last attempt end dead; others retry later. */
  fail(job: JobRow, owner: string, err: unknown): Promise<{ state: 'retrying' | 'dead'; saved: boolean }> {
    const spec = this.deps.catalog[job.type];
    const now = this.now();
    const permanent = err instanceof PermanentJobError;
    const state = permanent || job.attempt >= job.max_attempts ? 'dead' : 'retrying';
    const runAt =
      now +
      retryDelayMs(job.attempt, { baseMs: spec?.retryBaseMs ?? 2000, maxMs: spec?.retryMaxMs ?? 600_000 });
    return this.deps
      .transaction((repos) =>
        repos.jobs.fail(job.id, owner, { state, runAt, error: describeError(err) }, now),
      )
      .then((saved) => ({ state, saved }));
  }

  release(jobs: JobRow[], owner: string): Promise<number> {
    return this.deps.repos.jobs.release(
      jobs.map((j) => j.id),
      owner,
      this.now(),
    );
  }

  async cancel(id: string, tenantId?: string): Promise<JobRow> {
    return this.deps.transaction(async (repos) => {
      const job = await repos.jobs.get(id, tenantId);
      if (!job) throw new ApiError('not_found', 'job not found');
      const cancelled = await repos.jobs.cancel(id, this.now());
      if (!cancelled) throw new ApiError('conflict', `the job is already ${job.state}`);
      return cancelled;
    });
  }

  async retry(id: string, tenantId?: string): Promise<JobRow> {
    return this.deps.transaction(async (repos) => {
      const job = await repos.jobs.get(id, tenantId);
      if (!job) throw new ApiError('not_found', 'job not found');
      if (job.state !== 'dead' && job.state !== 'cancelled') {
        throw new ApiError(
          'conflict',
          `only dead or cancelled jobs can be retried; this one is ${job.state}`,
        );
      }
      if (job.idempotency_key && (await repos.jobs.unfinishedWithKey(job.idempotency_key))) {
        throw new ApiError('conflict', 'another unfinished job does the same work; retry that one');
      }
      const retried = await repos.jobs.retry(id, this.now());
      if (!retried) throw new ApiError('conflict', 'the job changed state; try again');
      this.deps.onEnqueued?.();
      return retried;
    });
  }
}
