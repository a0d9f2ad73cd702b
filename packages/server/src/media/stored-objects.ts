import type { Repositories } from '../repositories/repositories.ts';
import type { JobRow } from '../db/schema.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';

/**
 * A second removal this long after the first catches what a job cancelled by the deletion was
 * still writing: a worker notices the cancel at its next heartbeat (5 s) and its lease ends in 30.
 */
export const REMOVAL_SWEEP_MS = 2 * 60_000;

/**
 * How long a deleted media's or tenant's objects stay before they are removed: with scheduled
 * backups, at least one backup interval, so the newest backup never names an object already gone.
 */
let removalGraceMs = 0;

/** Sets the grace period of removals scheduled from now on (createKino: KINO_BACKUP_EVERY when backups are on). */
export function keepDeletedObjectsFor(ms: number): void {
  removalGraceMs = Math.max(0, ms);
}

/** Keys per removal job, so a big tenant's removal is many small jobs. */
const KEYS_PER_JOB = 500;

/** What a media or a tenant leaves in storage. */
export interface StoredObjects {
  /** `media/<tenant>/<media>/` or `media/<tenant>/`: every version, caption file and sheet. */
  prefix: string;
  /** Originals (`upl_…`) and their tus metadata files. */
  keys: string[];
  /** Unfinished tus uploads. */
  uploads: string[];
}

/** Where unfinished imports were told to write their originals (the job payload fixes the key). */
export function importTargets(jobs: readonly JobRow[]): string[] {
  return jobs.flatMap((job) => {
    if (job.type !== 'media.import') return [];
    const key = (JSON.parse(job.payload) as { sourceKey?: unknown }).sourceKey;
    return typeof key === 'string' ? [key] : [];
  });
}

/**
 * Enqueues the removal of `objects`, after the grace period and again REMOVAL_SWEEP_MS later, in the caller's unit of
 * work. `tenantId` null for a tenant being deleted (its jobs go with it).
 */
export async function scheduleRemoval(
  repos: Pick<Repositories, 'jobs'>,
  queue: JobQueue<KinoJobCatalog>,
  objects: StoredObjects,
  tenantId: string | null,
  now: number,
): Promise<void> {
  const batches: { keys: string[]; uploads: string[] }[] = [];
  for (let i = 0; i < Math.max(objects.keys.length, objects.uploads.length); i += KEYS_PER_JOB) {
    batches.push({
      keys: objects.keys.slice(i, i + KEYS_PER_JOB),
      uploads: objects.uploads.slice(i, i + KEYS_PER_JOB),
    });
  }
  for (const runAt of [now + removalGraceMs, now + removalGraceMs + REMOVAL_SWEEP_MS]) {
    await queue.enqueue(repos, {
      type: 'media.remove-files',
      payload: { prefix: objects.prefix, ...(batches[0] ?? { keys: [], uploads: [] }) },
      tenantId,
      runAt,
    });
    for (const batch of batches.slice(1)) {
      await queue.enqueue(repos, { type: 'media.remove-files', payload: batch, tenantId, runAt });
    }
  }
}
