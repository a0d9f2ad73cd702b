import type { JobsRepository } from './jobs.repository.ts';
import type { JobHandler } from './job-registry.ts';

/** Deletes finished jobs older than the retention; deleting what is already gone is a no-op. */
export function pruneJobsHandler(
  jobs: JobsRepository,
  now: () => number,
): JobHandler<{ keepFinishedForMs: number }> {
  return async ({ payload }) => {
    await jobs.pruneFinished(now() - payload.keepFinishedForMs);
  };
}
