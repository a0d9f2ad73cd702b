import type { UnitOfWork } from '../repositories/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { notFound } from '../http/problem.ts';
import { importTargets, scheduleRemoval } from '../media/stored-objects.ts';
import { storageLayout } from '../storage/storage-layout.ts';

/**
 * Deletes a tenant and everything it has, in one transaction: its rows go with it (media,
 * uploads, keys, users and their sessions, webhooks, caption tracks, jobs: the schema cascades),
 * and its stored objects are scheduled for removal: the tenant's folder (`media/<tenant>/`, every
 * version and caption file), its originals, its partial uploads (S3 multipart uploads aborted) and
 * what running imports were writing. Its running jobs lose their rows, so their workers stop them
 * at the next heartbeat; a second removal after that catches their last writes.
 */
export function deleteTenant(
  transaction: UnitOfWork,
  queue: JobQueue<KinoJobCatalog>,
  tenantId: string,
  now: number,
): Promise<void> {
  return transaction(async (repos) => {
    if (!(await repos.tenants.get(tenantId))) throw notFound('tenant');
    const originals = [
      ...(await repos.media.sourceKeys(tenantId)),
      ...importTargets(await repos.jobs.unfinishedOfTenant(tenantId, ['media.import'])),
    ];
    const uploads = await repos.uploads.unfinishedIds(tenantId);
    await repos.tenants.delete(tenantId);
    await scheduleRemoval(
      repos,
      queue,
      {
        prefix: storageLayout.tenantPrefix(tenantId),
        keys: originals.flatMap(storageLayout.originalKeys),
        uploads,
      },
      null,
      now,
    );
  });
}
