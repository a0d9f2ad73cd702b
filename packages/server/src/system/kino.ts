import type { FastifyBaseLogger } from 'fastify';
import { ApiKeysService } from '../api-keys/api-keys.service.ts';
import { apiKeysRoutes } from '../api-keys/api-keys.routes.ts';
import { createAuthenticator } from '../auth/authenticator.ts';
import type { Config } from '../config/config.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database.ts';
import { createRepositories, unitOfWork } from '../db/repositories.ts';
import { healthRoutes } from '../health/health.routes.ts';
import { databaseCheck, directoryCheck, ffmpegCheck, type ReadinessCheck } from '../health/readiness.ts';
import { createHttpApp } from '../http/app.ts';
import { createHttpMetrics } from '../http/metrics.ts';
import type { App } from '../http/types.ts';
import { mediaRoutes } from '../media/media.routes.ts';
import { MediaService } from '../media/media.service.ts';
import { tenantsRoutes } from '../tenants/tenants.routes.ts';
import { TenantsService } from '../tenants/tenants.service.ts';

export interface Kino {
  app: App;
  database: DatabaseHandle;
  close(): Promise<void>;
}

/**
 * Wires one Kino process from its configuration: database (migrated), services and routes.
 *
 * @example const kino = await createKino(loadConfig(process.env), { operatorKey });
 *          await kino.app.listen({ port: 8080 });
 */
export async function createKino(
  config: Config,
  opts: { operatorKey: string; logger?: FastifyBaseLogger },
): Promise<Kino> {
  const database = openDatabase(config.database);
  try {
    await migrateToLatest(database.db);
    const repos = createRepositories(database.db, database.dialect);
    const metrics = createHttpMetrics();
    const checks: ReadinessCheck[] = [databaseCheck(database.db)];
    if (config.storage.kind === 'file') checks.push(directoryCheck('storage', config.storage.dir));
    checks.push(ffmpegCheck());

    const app = await createHttpApp({
      logger: opts.logger,
      metrics,
      authenticate: createAuthenticator({ operatorKey: opts.operatorKey, apiKeys: repos.apiKeys }),
    });
    await app.register(healthRoutes({ checks, metrics }));
    await app.register(tenantsRoutes(new TenantsService(repos, unitOfWork(database))));
    await app.register(apiKeysRoutes(new ApiKeysService(repos)));
    await app.register(mediaRoutes(new MediaService(repos)));
    await app.ready();

    return {
      app,
      database,
      close: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}
