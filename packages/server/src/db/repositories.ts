import { sql } from 'kysely';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.ts';
import { EventsRepository } from '../events/events.repository.ts';
import { JobsRepository } from '../jobs/jobs.repository.ts';
import { MediaRepository } from '../media/media.repository.ts';
import { QuotasRepository } from '../tenants/quotas.repository.ts';
import { TenantsRepository } from '../tenants/tenants.repository.ts';
import { UploadsRepository } from '../uploads/uploads.repository.ts';
import { UploadUrlsRepository } from '../uploads/upload-urls.repository.ts';
import { WebhooksRepository } from '../webhooks/webhooks.repository.ts';
import type { Db, Dialect } from './database.ts';

export interface Repositories {
  tenants: TenantsRepository;
  apiKeys: ApiKeysRepository;
  media: MediaRepository;
  jobs: JobsRepository;
  uploads: UploadsRepository;
  uploadUrls: UploadUrlsRepository;
  webhooks: WebhooksRepository;
  events: EventsRepository;
  quotas: QuotasRepository;
}

export function createRepositories(db: Db, dialect: Dialect): Repositories {
  return {
    tenants: new TenantsRepository(db),
    apiKeys: new ApiKeysRepository(db),
    media: new MediaRepository(db),
    jobs: new JobsRepository(db, dialect),
    uploads: new UploadsRepository(db),
    uploadUrls: new UploadUrlsRepository(db),
    webhooks: new WebhooksRepository(db),
    events: new EventsRepository(db),
    quotas: new QuotasRepository(db),
  };
}

/** Runs `work` with repositories bound to one transaction: all of its writes land, or none. */
export type UnitOfWork = <T>(work: (repos: Repositories) => Promise<T>) => Promise<T>;

export function unitOfWork(handle: { db: Db; dialect: Dialect }): UnitOfWork {
  const { db, dialect } = handle;
  switch (dialect) {
    case 'postgres':
      return (work) => db.transaction().execute((trx) => work(createRepositories(trx, dialect)));
    case 'sqlite':
      // BEGIN IMMEDIATE takes the write lock up front. A deferred transaction that reads and then
      // writes fails with SQLITE_BUSY when another process wrote in between, which the busy
      // timeout cannot wait out.
      return (work) =>
        db.connection().execute(async (conn) => {
          await sql`begin immediate`.execute(conn);
          try {
            const result = await work(createRepositories(conn, dialect));
            await sql`commit`.execute(conn);
            return result;
          } catch (err) {
            await sql`rollback`.execute(conn);
            throw err;
          }
        });
  }
}
