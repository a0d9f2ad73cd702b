import fs from 'node:fs/promises';
import path from 'node:path';
import type { Repositories } from '../repositories/repositories.ts';
import type { JobHandler } from '../jobs/job-registry.ts';

// Not configuration: a job's scratch needs are the source (downloaded), its repackaged or
// encoded renditions (up to about the source again per rung set) and ffmpeg's temporary files,
// so a few times the source covers the ladder, and the floor keeps the rest of the machine
// (database, logs, other jobs) breathing.
/** How many times the source's size a processing job may write to its work folder. */
export const WORK_SPACE_PER_SOURCE_BYTE = 3;
/** Free space always left on the work disk, whatever the job. */
export const FREE_DISK_FLOOR_BYTES = 1024 ** 3;

/** Reads a folder's filesystem; a seam so tests can answer "almost full". */
export const diskSpaceProbe = {
  statfs: (folder: string) => fs.statfs(folder),
};

/** The free bytes of the filesystem holding `folder` (its nearest existing parent when absent). */
export async function freeBytes(folder: string): Promise<number> {
  let at = path.resolve(folder);
  for (;;) {
    try {
      const stats = await diskSpaceProbe.statfs(at);
      return stats.bavail * stats.bsize;
    } catch (err) {
      const parent = path.dirname(at);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw err;
      at = parent;
    }
  }
}

/** What a job over a source of `sourceBytes` needs free before it starts. */
export function bytesNeeded(sourceBytes: number): number {
  return WORK_SPACE_PER_SOURCE_BYTE * Math.max(0, sourceBytes) + FREE_DISK_FLOOR_BYTES;
}

/** Whether a job may start: null when it may, or why not, in words for the job's error. */
export function diskSpaceVerdict(free: number, sourceBytes: number): string | null {
  const needed = bytesNeeded(sourceBytes);
  if (free >= needed) return null;
  return `not enough free disk for the work folder: ${gib(free)} free, ${gib(needed)} needed (${WORK_SPACE_PER_SOURCE_BYTE}x the ${gib(sourceBytes)} source plus ${gib(FREE_DISK_FLOOR_BYTES)} kept free); the job will retry`;
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/** A retryable failure: space frees up as other jobs finish or the operator cleans up. */
export class NotEnoughDiskError extends Error {
  override name = 'NotEnoughDiskError';
}

/**
 * Refuses to start a processing job when the work folder's disk cannot hold it, so the job waits
 * and retries instead of filling the disk halfway through an encode.
 */
export async function ensureWorkSpace(
  deps: { workRoot: string; repos: Pick<Repositories, 'media'> },
  payload: { tenantId: string; mediaId: string },
): Promise<void> {
  const media = await deps.repos.media.get(payload.tenantId, payload.mediaId);
  // A media that is gone is the handler's to report.
  if (!media) return;
  const verdict = diskSpaceVerdict(await freeBytes(deps.workRoot), media.source_size ?? 0);
  if (verdict !== null) throw new NotEnoughDiskError(verdict);
}

/**
 * A processing job handler that first checks the work folder's free disk (ensureWorkSpace).
 *
 * @example export const handler = (deps) => withWorkSpaceCheck(deps, (ctx) => work(ctx));
 */
export function withWorkSpaceCheck<P extends { tenantId: string; mediaId: string }>(
  deps: { workRoot: string; repos: Pick<Repositories, 'media'> },
  handler: JobHandler<P>,
): JobHandler<P> {
  return async (ctx) => {
    await ensureWorkSpace(deps, ctx.payload);
    await handler(ctx);
  };
}
