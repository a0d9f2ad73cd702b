/** A problem the operator should act on, in words the health page shows as is. */
export interface HealthWarning {
  code: 'no_workers' | 'stale_queue' | 'database_unreachable' | 'storage_unreachable' | 'low_disk';
  message: string;
}

export interface HealthFacts {
  /** Workers seen within `workerWindowSeconds`; null when unknown (the database did not answer). */
  aliveWorkers: number | null;
  workerWindowSeconds: number;
  oldestWaitingAgeSeconds: number | null;
  staleQueueSeconds: number;
  database: { ok: boolean; error?: string | undefined };
  storage: { ok: boolean; error?: string | undefined };
  /** Free bytes of the data folder's disk, and the floor processing keeps free; none when unknown. */
  disk?: { freeBytes: number; floorBytes: number } | null;
}

/**
 * The warnings of a health report. No worker is the loudest: it is why an install shows media
 * "processing" forever, and it is said even when the queue is idle.
 */
export function healthWarnings(facts: HealthFacts): HealthWarning[] {
  const warnings: HealthWarning[] = [];
  if (facts.aliveWorkers === 0) {
    warnings.push({
      code: 'no_workers',
      message: `No worker has been seen in the last ${facts.workerWindowSeconds} seconds: media will stay "processing" until one runs (start Kino with KINO_ROLES including worker).`,
    });
  }
  if (facts.oldestWaitingAgeSeconds !== null && facts.oldestWaitingAgeSeconds > facts.staleQueueSeconds) {
    const minutes = Math.floor(facts.oldestWaitingAgeSeconds / 60);
    warnings.push({
      code: 'stale_queue',
      message: `The oldest waiting job has waited ${minutes} minutes: workers are missing, stuck or too few for the load.`,
    });
  }
  if (!facts.database.ok) {
    warnings.push({
      code: 'database_unreachable',
      message: `The database did not answer: ${facts.database.error ?? 'unknown error'}.`,
    });
  }
  if (!facts.storage.ok) {
    warnings.push({
      code: 'storage_unreachable',
      message: `The storage did not answer: ${facts.storage.error ?? 'unknown error'}.`,
    });
  }
  if (facts.disk && facts.disk.freeBytes < facts.disk.floorBytes) {
    const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(2);
    warnings.push({
      code: 'low_disk',
      message: `The data folder's disk has ${gib(facts.disk.freeBytes)} GiB free, below the ${gib(facts.disk.floorBytes)} GiB processing keeps free: jobs wait and retry until space is freed.`,
    });
  }
  return warnings;
}
