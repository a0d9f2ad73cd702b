import { z } from 'zod';
import type { DatabaseHandle } from '../src/db/database.ts';
import { createRepositories, unitOfWork, type Repositories } from '../src/repositories/repositories.ts';
import { defineJobCatalog } from '../src/jobs/job-registry.ts';
import { JobQueue } from '../src/jobs/job-queue.ts';
import { newId } from '../src/lib/ids.ts';

export const testCatalog = defineJobCatalog({
  'test.effect': {
    payload: z.object({ n: z.number().int(), sleepMs: z.number().int().nonnegative().default(0) }),
    priority: 50,
    maxAttempts: 20,
    timeoutMs: 60_000,
    retryBaseMs: 100,
    retryMaxMs: 1000,
  },
  'test.urgent': { payload: z.object({}), priority: 0, maxAttempts: 3, timeoutMs: 60_000 },
  'test.slow': {
    payload: z.object({ ms: z.number().int() }),
    priority: 50,
    maxAttempts: 3,
    timeoutMs: 1_000,
    retryBaseMs: 60_000,
  },
});
export type TestCatalog = typeof testCatalog;

/** A queue over a test database with a clock the test moves by hand. */
export function testQueue(
  handle: DatabaseHandle,
  opts: { tenantConcurrency?: number; now?: () => number } = {},
) {
  const repos = createRepositories(handle.db, handle.dialect);
  const queue = new JobQueue({
    catalog: testCatalog,
    repos,
    transaction: unitOfWork(handle),
    tenantConcurrency: opts.tenantConcurrency ?? 1000,
    ...(opts.now && { now: opts.now }),
  });
  return { queue, repos };
}

export async function createTenant(repos: Repositories, name = 't'): Promise<string> {
  const id = newId('ten');
  await repos.tenants.create({ id, name, created_at: 1, updated_at: 1 });
  return id;
}
