import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { JobRow } from '../db/schema.ts';
import { newId } from '../lib/ids.ts';
import { describeError, JobAbortedError, PermanentJobError } from './job-errors.ts';
import type { JobMetrics } from './job-metrics.ts';
import { GroupCommit } from './group-commit.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobCatalog, JobHandlers } from './job-registry.ts';
import type { JobsRepository } from './jobs.repository.ts';

export interface JobWorkerOptions {
  /** Jobs run at once by this process (of any priority). */
  concurrency: number;
  /**
   * Further slots reserved for jobs of priority `playableMaxPriority` or less (the step that makes
   * a media playable), so they start at once however long the jobs in the other slots run.
   */
  playableConcurrency?: number;
  playableMaxPriority?: number;
  /** A lease outlives a heartbeat several times over, so one slow heartbeat does not lose the job. */
  leaseMs: number;
  heartbeatMs: number;
  /** Idle wait between claims when the queue was empty. */
  pollMs: number;
  roles?: string[];
}

export const DEFAULT_WORKER_OPTIONS: JobWorkerOptions = {
  concurrency: 2,
  leaseMs: 30_000,
  heartbeatMs: 5_000,
  pollMs: 500,
};

/** The worker's slots: any job, or only the playable lane's. */
type Lane = 'any' | 'playable';

interface Running {
  job: JobRow;
  lane: Lane;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Claims and runs jobs until stopped. Each attempt runs with a heartbeat that extends its lease
 * (so a live long job is never taken away) and notices cancellation; a job whose worker dies is
 * rescued by the next claim after its lease expires.
 */
export class JobWorker<C extends JobCatalog> {
  readonly id: string;
  private readonly running = new Map<string, Running>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private presence: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  /** Successes are written together: a busy worker records many in one statement. */
  private readonly completions: GroupCommit<JobRow, boolean>;

  constructor(
    private readonly deps: {
      queue: JobQueue<C>;
      handlers: JobHandlers<C>;
      jobs: JobsRepository;
      logger: FastifyBaseLogger;
      metrics?: JobMetrics;
    },
    private readonly opts: JobWorkerOptions = DEFAULT_WORKER_OPTIONS,
  ) {
    this.id = newId('wrk');
    deps.handlers.assertComplete();
    this.completions = new GroupCommit((jobs) => deps.queue.completeMany(jobs, this.id));
  }

  start(): void {
    if (this.loop) return;
    void this.recordPresence(null);
    this.presence = setInterval(() => void this.recordPresence(null), 10_000);
    this.presence.unref();
    this.loop = this.run();
  }

  /** Wakes an idle loop at once (a job was just enqueued in this process). */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Stops claiming, gives running jobs `graceMs` to finish, then aborts the rest and hands them
   * back to the queue without counting the attempt.
   */
  async stop(graceMs = 20_000): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    const timedOut = await Promise.race([
      all().then(() => false),
      new Promise<boolean>((r) => {
        setTimeout(() => {
          r(true);
        }, graceMs).unref();
      }),
    ]);
    if (timedOut) {
      const left = [...this.running.values()];
      for (const r of left) r.abort.abort(new JobAbortedError('the worker is shutting down'));
      await Promise.race([all(), new Promise((r) => setTimeout(r, 5_000).unref())]);
      const released = await this.deps.queue.release(
        left.map((r) => r.job),
        this.id,
      );
      this.deps.logger.warn({ released }, 'handed unfinished jobs back to the queue');
    }
    clearInterval(this.presence);
    await this.recordPresence(Date.now());
  }

  get activeJobs(): number {
    return this.running.size;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const anyFull = await this.fill('any', this.opts.concurrency);
      const playableFull = await this.fill('playable', this.opts.playableConcurrency ?? 0, {
        maxPriority: this.opts.playableMaxPriority ?? 0,
      });
      // A full batch suggests more is waiting; otherwise idle until polled, woken, or a slot frees.
      if (anyFull || playableFull) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  /** Claims jobs for a lane's free slots; true when it got as many as it asked for. */
  private async fill(lane: Lane, slots: number, opts: { maxPriority?: number } = {}): Promise<boolean> {
    const busy = [...this.running.values()].filter((r) => r.lane === lane).length;
    const free = slots - busy;
    if (free <= 0) return false;
    let claimed: JobRow[] = [];
    try {
      claimed = await this.deps.queue.claim(this.id, free, this.opts.leaseMs, opts);
    } catch (err) {
      this.deps.logger.error({ err, lane }, 'claiming jobs failed');
    }
    for (const job of claimed) this.startJob(job, lane);
    return claimed.length === free;
  }

  private startJob(job: JobRow, lane: Lane): void {
    const abort = new AbortController();
    const done = this.execute(job, abort)
      .catch((err: unknown) => {
        // Recording the outcome failed (the database is unreachable): the lease expires and
        // another attempt runs. The worker itself must not fall over.
        this.deps.logger.error({ err, jobId: job.id }, 'could not record a job outcome');
      })
      .finally(() => {
        this.running.delete(job.id);
        this.wake();
      });
    this.running.set(job.id, { job, lane, abort, done });
  }

  private async execute(job: JobRow, abort: AbortController): Promise<void> {
    const { queue, handlers, logger, metrics } = this.deps;
    const log = logger.child({ jobId: job.id, jobType: job.type, attempt: job.attempt });
    const started = Date.now();
    metrics?.waitSeconds.observe({ type: job.type }, Math.max(0, started - job.run_at) / 1000);

    let progress: { percent: number; message: string | null } | undefined;
    // An object, not a let: the heartbeat callback sets it while the handler runs.
    const lease = { lost: false };
    const heartbeat = setInterval(() => {
      queue.heartbeat(job, this.id, this.opts.leaseMs, progress).then(
        (owned) => {
          if (!owned && !lease.lost) {
            lease.lost = true;
            abort.abort(new JobAbortedError('the job was cancelled or taken over'));
          }
        },
        (err: unknown) => {
          log.warn({ err }, 'heartbeat failed');
        },
      );
    }, this.opts.heartbeatMs);
    const timeout = setTimeout(() => {
      abort.abort(new Error(`the attempt timed out after ${job.timeout_ms} ms`));
    }, job.timeout_ms);

    let outcome = 'succeeded';
    try {
      const handler = handlers.get(job.type);
      const spec = queue.catalog[job.type];
      if (!handler || !spec) throw new PermanentJobError(`no handler for job type '${job.type}'`);
      const parsed = spec.payload.safeParse(JSON.parse(job.payload));
      if (!parsed.success) throw new PermanentJobError(`invalid payload: ${parsed.error.message}`);
      await handler({
        job,
        payload: parsed.data,
        signal: abort.signal,
        progress: (percent, message) => {
          progress = { percent: Math.max(0, Math.min(100, percent)), message: message ?? null };
        },
      });
      // A handler that ignored its aborted signal still lost the job: do not claim success.
      if (abort.signal.aborted) throw abort.signal.reason;
      if (!(await completeWithRetry(() => this.completions.add(job)))) {
        log.warn('finished, but the job was no longer ours');
      }
    } catch (err) {
      if (err instanceof CompletionNotRecorded) throw err.cause;
      if (lease.lost) {
        outcome = 'abandoned';
        log.info({ reason: describeError(err) }, 'stopped a job that was cancelled or taken over');
      } else if (this.stopping && abort.signal.reason instanceof JobAbortedError) {
        outcome = 'released';
      } else {
        const { state } = await queue.fail(job, this.id, err);
        outcome = state;
        metrics?.failures.inc({ type: job.type, outcome: state });
        log[state === 'dead' ? 'error' : 'warn']({ err: describeError(err), state }, 'job attempt failed');
      }
    } finally {
      clearInterval(heartbeat);
      clearTimeout(timeout);
      metrics?.runSeconds.observe({ type: job.type, outcome }, (Date.now() - started) / 1000);
    }
  }

  private async recordPresence(stoppedAt: number | null): Promise<void> {
    try {
      await this.deps.jobs.recordWorker({
        id: this.id,
        hostname: os.hostname(),
        pid: process.pid,
        roles: (this.opts.roles ?? ['worker']).join(','),
        concurrency: this.opts.concurrency,
        started_at: this.startedAt,
        last_seen_at: Date.now(),
        stopped_at: stoppedAt,
      });
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not record worker presence');
    }
  }
}

/** The work is done but its success could not be written; it must not count as a failed attempt. */
class CompletionNotRecorded extends Error {}

async function completeWithRetry(complete: () => Promise<boolean>): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await complete();
    } catch (err) {
      if (attempt >= 3) throw new CompletionNotRecorded('completion not recorded', { cause: err });
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}
