import { REMOVAL_SWEEP_MS } from '../src/media/stored-objects.ts';
import type { Kino } from '../src/system/kino.ts';

/** Every key in the Kino's storage. */
export async function storedKeys(kino: Pick<Kino, 'storage'>): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of kino.storage.list('')) keys.push(object.key);
  return keys.sort();
}

/**
 * Runs the storage removals a deletion scheduled, the delayed second sweep included, as if its
 * two minutes had passed: waits for the jobs the deletion cancelled to stop, moves the sweep's
 * run time to now, and waits for every removal to succeed. Replaced versions' removals, hours
 * away, are left alone.
 */
export async function settleRemovals(
  kino: Pick<Kino, 'database' | 'jobs'>,
  timeoutMs = 60_000,
): Promise<void> {
  const { db } = kino.database;
  const deadline = Date.now() + timeoutMs;
  const waitFor = async (what: string, done: () => Promise<boolean>) => {
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  // A cancelled job's row says so at once; its worker stops it at the next heartbeat.
  await waitFor('cancelled jobs to stop', () => Promise.resolve((kino.jobs.worker?.activeJobs ?? 0) === 0));
  await db
    .updateTable('jobs')
    .set({ run_at: Date.now() })
    .where('type', '=', 'media.remove-files')
    .where('state', 'in', ['available', 'retrying'])
    .where('run_at', '<=', Date.now() + REMOVAL_SWEEP_MS + 10_000)
    .execute();
  await waitFor('removals to finish', async () => {
    const left = await db
      .selectFrom('jobs')
      .select('id')
      .where('type', '=', 'media.remove-files')
      .where('state', 'in', ['available', 'running', 'retrying'])
      .where('run_at', '<=', Date.now())
      .execute();
    return left.length === 0;
  });
}
