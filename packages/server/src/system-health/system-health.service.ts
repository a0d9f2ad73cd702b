import os from 'node:os';
import type { JobsRepository } from '../jobs/jobs.repository.ts';
import { runReadiness, type ReadinessCheck } from '../health/readiness.ts';
import type { FfmpegStatus } from './ffmpeg-version.ts';
import { healthWarnings, type HealthWarning } from './health-warnings.ts';
import type { QueueCounts, SystemHealthRepository } from './system-health.repository.ts';

/** A worker counts as running when seen this recently (workers record themselves every 10 s). */
export const WORKER_WINDOW_SECONDS = 30;
/** Workers silent for longer than the window still show, as recently seen, for this long. */
const RECENT_WORKERS_SECONDS = 60 * 60;
const STALE_QUEUE_SECONDS = 5 * 60;

interface Reachability {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface SystemHealth {
  database: Reachability;
  storage: Reachability;
  ffmpeg: FfmpegStatus;
  workers: {
    id: string;
    host: string;
    pid: number;
    roles: string[];
    startedAt: string;
    lastSeenAt: string;
    runningJobs: number;
    alive: boolean;
  }[];
  queue: QueueCounts & { oldestWaitingAt: string | null; oldestWaitingAgeSeconds: number | null };
  failuresLastHour: number;
  /** Free space of the data folder's disk (work files of jobs, and local storage); null when unknown. */
  disk: { freeBytes: number; floorBytes: number } | null;
  warnings: HealthWarning[];
  checkedAt: string;
  checkedBy: string;
}

/** Gathers what the operator's health page shows, from the database and this process. */
export class SystemHealthService {
  constructor(
    private readonly deps: {
      repo: SystemHealthRepository;
      jobs: Pick<JobsRepository, 'oldestWaitingSince'>;
      database: ReadinessCheck;
      storage: ReadinessCheck;
      ffmpeg: () => Promise<FfmpegStatus>;
      /** Free bytes of the data folder's disk and the floor to warn below. */
      disk?: () => Promise<{ freeBytes: number; floorBytes: number }>;
      now?: () => number;
    },
  ) {}

  async report(): Promise<SystemHealth> {
    const now = (this.deps.now ?? Date.now)();
    const { repo } = this.deps;
    const [readiness, ffmpeg, disk] = await Promise.all([
      runReadiness([this.deps.database, this.deps.storage]),
      this.deps.ffmpeg(),
      this.deps.disk?.().catch(() => null) ?? null,
    ]);
    const reach = (name: string): Reachability => {
      const c = readiness.checks[name];
      if (!c) return { ok: false, latencyMs: 0, error: 'not checked' };
      return { ok: c.ok, latencyMs: c.ms, ...(c.error !== undefined && { error: c.error }) };
    };
    const database = reach(this.deps.database.name);
    const storage = reach(this.deps.storage.name);

    // Without a database there is nothing more to read; say so rather than fail the page.
    const facts = database.ok
      ? await Promise.all([
          repo.liveWorkers(now - RECENT_WORKERS_SECONDS * 1000),
          repo.runningByWorker(),
          repo.queueCounts(),
          this.deps.jobs.oldestWaitingSince(now),
          repo.failuresSince(now - 60 * 60 * 1000),
        ])
      : undefined;
    const [rows, running, counts, oldest, failures] = facts ?? [
      [],
      new Map<string, number>(),
      { waiting: 0, running: 0, retrying: 0, dead: 0 },
      null,
      0,
    ];

    const workers = rows.map((w) => ({
      id: w.id,
      host: w.hostname,
      pid: w.pid,
      roles: w.roles.split(',').filter(Boolean),
      startedAt: new Date(w.started_at).toISOString(),
      lastSeenAt: new Date(w.last_seen_at).toISOString(),
      runningJobs: running.get(w.id) ?? 0,
      alive: now - w.last_seen_at <= WORKER_WINDOW_SECONDS * 1000,
    }));
    const oldestAge = oldest === null ? null : Math.max(0, Math.round((now - oldest) / 1000));
    return {
      database,
      storage,
      ffmpeg,
      workers,
      queue: {
        ...counts,
        oldestWaitingAt: oldest === null ? null : new Date(oldest).toISOString(),
        oldestWaitingAgeSeconds: oldestAge,
      },
      failuresLastHour: failures,
      disk,
      warnings: healthWarnings({
        disk,
        aliveWorkers: database.ok ? workers.filter((w) => w.alive).length : null,
        workerWindowSeconds: WORKER_WINDOW_SECONDS,
        oldestWaitingAgeSeconds: oldestAge,
        staleQueueSeconds: STALE_QUEUE_SECONDS,
        database,
        storage,
      }),
      checkedAt: new Date(now).toISOString(),
      checkedBy: os.hostname(),
    };
  }
}
