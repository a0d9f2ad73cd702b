import type { z } from 'zod';
import type { JobRow } from '../db/schema.ts';

/** What a handler gets: its validated payload and a signal that aborts on cancel, timeout or shutdown. */
export interface JobContext<P> {
  job: JobRow;
  payload: P;
  signal: AbortSignal;
  /** Records progress (0–100) with an optional message; written with the next heartbeat. */
  progress: (percent: number, message?: string) => void;
}

export type JobHandler<P> = (ctx: JobContext<P>) => Promise<void>;

/** The static facts of a job type, known to every process (API processes enqueue, workers run). */
export interface JobTypeSpec<P = unknown> {
  payload: z.ZodType<P>;
  /** Lower runs sooner. */
  priority: number;
  /** Attempts before the job is dead. */
  maxAttempts: number;
  /** Milliseconds (not seconds) before an attempt is aborted. */
  timeoutMs: number;
  /** First retry delay; doubles per attempt, capped at retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry has its own payload type
export type JobCatalog = Record<string, JobTypeSpec<any>>;
export type JobType<C extends JobCatalog> = keyof C & string;
export type PayloadOf<C extends JobCatalog, T extends JobType<C>> = z.infer<C[T]['payload']>;

const MIN_TIMEOUT_MS = 1000;
/**
 * The longest attempt: a 12-hour 4K60 source's encode is given about 13 days on two cores (see
 * processing/job-timeouts.ts). Node's timers hold at most 2^31 - 1 ms (24.8 days).
 */
export const MAX_TIMEOUT_MS = 14 * 24 * 3600 * 1000;

/**
 * Checks a catalogue once at load: a timeout under a second almost always means seconds were
 * written where milliseconds were meant, and would make every attempt time out and retry forever.
 */
export function defineJobCatalog<C extends JobCatalog>(catalog: C): C {
  for (const [type, spec] of Object.entries(catalog)) {
    if (
      !Number.isInteger(spec.timeoutMs) ||
      spec.timeoutMs < MIN_TIMEOUT_MS ||
      spec.timeoutMs > MAX_TIMEOUT_MS
    ) {
      throw new Error(
        `job type '${type}': timeoutMs ${spec.timeoutMs} is outside ${MIN_TIMEOUT_MS}..${MAX_TIMEOUT_MS} (milliseconds, not seconds)`,
      );
    }
    if (!Number.isInteger(spec.maxAttempts) || spec.maxAttempts < 1) {
      throw new Error(`job type '${type}': maxAttempts must be a positive integer`);
    }
  }
  return catalog;
}

/**
 * Handlers by type for a worker. `on` refuses a type defined twice or unknown to the catalogue;
 * `assertComplete` (at start) refuses a catalogue type without a handler.
 *
 * @example const handlers = new JobHandlers(catalog).on('maintenance.prune-jobs', prune);
 *          handlers.assertComplete();
 */
export class JobHandlers<C extends JobCatalog> {
  private readonly handlers = new Map<string, JobHandler<unknown>>();

  constructor(readonly catalog: C) {}

  on<T extends JobType<C>>(type: T, handler: JobHandler<PayloadOf<C, T>>): this {
    if (!(type in this.catalog)) throw new Error(`job type '${type}' is not in the catalogue`);
    if (this.handlers.has(type)) throw new Error(`job type '${type}' has two handlers`);
    this.handlers.set(type, handler as JobHandler<unknown>);
    return this;
  }

  assertComplete(): this {
    const missing = Object.keys(this.catalog).filter((t) => !this.handlers.has(t));
    if (missing.length) throw new Error(`no handler for job type(s): ${missing.join(', ')}`);
    return this;
  }

  get(type: string): JobHandler<unknown> | undefined {
    return this.handlers.get(type);
  }
}
