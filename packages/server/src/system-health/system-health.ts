import type { Db } from '../db/database.ts';
import type { JobsRepository } from '../jobs/jobs.repository.ts';
import { databaseCheck } from '../health/readiness.ts';
import type { Storage } from '../storage/storage.ts';
import { FREE_DISK_FLOOR_BYTES, freeBytes } from '../processing/disk-space.ts';
import { ffmpegVersionProbe } from './ffmpeg-version.ts';
import { SystemHealthRepository } from './system-health.repository.ts';
import { systemHealthRoutes } from './system-health.routes.ts';
import { SystemHealthService } from './system-health.service.ts';

/**
 * The operator's /v1/system/health route over this process's database and storage.
 *
 * @example await app.register(systemHealth({ db, jobs: repos.jobs, storage }));
 */
export function systemHealth(deps: { db: Db; jobs: JobsRepository; storage: Storage; dataDir?: string }) {
  const { dataDir } = deps;
  return systemHealthRoutes(
    new SystemHealthService({
      repo: new SystemHealthRepository(deps.db),
      jobs: deps.jobs,
      database: databaseCheck(deps.db),
      storage: { name: 'storage', run: () => deps.storage.check() },
      ffmpeg: ffmpegVersionProbe(),
      ...(dataDir !== undefined && {
        disk: async () => ({ freeBytes: await freeBytes(dataDir), floorBytes: FREE_DISK_FLOOR_BYTES }),
      }),
    }),
  );
}
