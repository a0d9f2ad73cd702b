import type { ReadinessCheck } from '../health/readiness.ts';
import type { Repositories } from '../repositories/repositories.ts';
import type { Storage } from '../storage/storage.ts';
import { FREE_DISK_FLOOR_BYTES, freeBytes } from '../processing/disk-space.ts';
import { ffmpegVersionProbe } from './ffmpeg-version.ts';
import { systemHealthRoutes } from './system-health.routes.ts';
import { SystemHealthService } from './system-health.service.ts';

/**
 * The operator's /v1/system/health route over this process's database and storage.
 *
 * @example await app.register(systemHealth({ repos, database: databaseCheck(db), storage }));
 */
export function systemHealth(deps: {
  repos: Pick<Repositories, 'systemHealth' | 'jobs'>;
  /** The process's readiness check of its database. */
  database: ReadinessCheck;
  storage: Storage;
  dataDir?: string;
}) {
  const { dataDir } = deps;
  return systemHealthRoutes(
    new SystemHealthService({
      repo: deps.repos.systemHealth,
      jobs: deps.repos.jobs,
      database: deps.database,
      storage: { name: 'storage', run: () => deps.storage.check() },
      ffmpeg: ffmpegVersionProbe(),
      ...(dataDir !== undefined && {
        disk: async () => ({ freeBytes: await freeBytes(dataDir), floorBytes: FREE_DISK_FLOOR_BYTES }),
      }),
    }),
  );
}
