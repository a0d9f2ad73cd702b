import { ApiKeysRepository } from '../api-keys/api-keys.repository.ts';
import { MediaRepository } from '../media/media.repository.ts';
import { TenantsRepository } from '../tenants/tenants.repository.ts';
import type { Db } from './database.ts';

export interface Repositories {
  tenants: TenantsRepository;
  apiKeys: ApiKeysRepository;
  media: MediaRepository;
}

export function createRepositories(db: Db): Repositories {
  return {
    tenants: new TenantsRepository(db),
    apiKeys: new ApiKeysRepository(db),
    media: new MediaRepository(db),
  };
}

/** Runs `work` with repositories bound to one transaction: all of its writes land, or none. */
export type UnitOfWork = <T>(work: (repos: Repositories) => Promise<T>) => Promise<T>;

export function unitOfWork(db: Db): UnitOfWork {
  return (work) => db.transaction().execute((trx) => work(createRepositories(trx)));
}
