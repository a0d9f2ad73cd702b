import type { FastifyBaseLogger } from 'fastify';
import type { UnitOfWork } from '../repositories/repositories.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobCatalog, JobType, PayloadOf } from './job-registry.ts';

export interface RecurringJob<C extends JobCatalog, T extends JobType<C> = JobType<C>> {
  name: string;
  everyMs: number;
  type: T;
  payload: PayloadOf<C, T>;
}

/**
 * Enqueues recurring jobs, once per period across every process: the period's slot is taken in
 * the database in the same transaction as the enqueue, and only one process can take it.
 */
export class JobScheduler<C extends JobCatalog> {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      queue: JobQueue<C>;
      transaction: UnitOfWork;
      logger: FastifyBaseLogger;
      schedules: RecurringJob<C>[];
    },
  ) {}

  /** Takes every due slot now; returns the names enqueued. */
  async tick(now = this.deps.queue.now()): Promise<string[]> {
    const enqueued: string[] = [];
    for (const schedule of this.deps.schedules) {
      const slot = Math.floor(now / schedule.everyMs);
      const took = await this.deps.transaction(async (repos) => {
        if (!(await repos.jobs.takeScheduleSlot(schedule.name, slot))) return false;
        await this.deps.queue.enqueue(repos, {
          type: schedule.type,
          payload: schedule.payload,
          idempotencyKey: `schedule:${schedule.name}`,
        });
        return true;
      });
      if (took) enqueued.push(schedule.name);
    }
    return enqueued;
  }

  start(checkEveryMs = 15_000): void {
    const run = () => {
      this.tick().catch((err: unknown) => {
        this.deps.logger.error({ err }, 'scheduling recurring jobs failed');
      });
    };
    run();
    this.timer = setInterval(run, checkEveryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
