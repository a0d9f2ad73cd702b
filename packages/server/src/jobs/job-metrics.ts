import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobsRepository } from './jobs.repository.ts';

export interface JobMetrics {
  waitSeconds: Histogram<'type'>;
  runSeconds: Histogram<'type' | 'outcome'>;
  failures: Counter<'type' | 'outcome'>;
}

const BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

/**
 * Queue metrics. Depth and the oldest waiting job are read from the database at scrape time, so
 * every process reports the whole queue; wait and run times are this process's own observations.
 */
export function createJobMetrics(registry: Registry, jobs: JobsRepository, now: () => number): JobMetrics {
  new Gauge({
    name: 'kino_jobs',
    help: 'Unfinished jobs by type and state',
    labelNames: ['type', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await jobs.countsByTypeAndState())
        this.set({ type: row.type, state: row.state }, row.count);
    },
  });
  new Gauge({
    name: 'kino_jobs_oldest_waiting_seconds',
    help: 'How long the longest-waiting due job has waited (0 when none waits)',
    registers: [registry],
    async collect() {
      const since = await jobs.oldestWaitingSince(now());
      this.set(since === null ? 0 : Math.max(0, (now() - since) / 1000));
    },
  });
  return {
    waitSeconds: new Histogram({
      name: 'kino_job_wait_seconds',
      help: 'Time from due to started',
      labelNames: ['type'] as const,
      buckets: BUCKETS,
      registers: [registry],
    }),
    runSeconds: new Histogram({
      name: 'kino_job_run_seconds',
      help: 'Time an attempt ran, by outcome',
      labelNames: ['type', 'outcome'] as const,
      buckets: BUCKETS,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'kino_job_failures_total',
      help: 'Failed attempts by type and what followed (retrying or dead)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
  };
}
