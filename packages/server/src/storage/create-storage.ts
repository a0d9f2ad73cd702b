import type { StorageClass } from '@aws-sdk/client-s3';
import type { ColdConfig, StorageConfig } from '../config/config.ts';
import { FsStorage } from './fs-storage.ts';
import { S3Storage } from './s3-storage.ts';
import type { Storage } from './storage.ts';

/**
 * The storage adapter for a configuration; S3 credentials come from the usual AWS variables.
 * With `cold` (Kino's own storage, not a backup location) it has a cold tier: the folder or
 * storage class of KINO_COLD_*, there whether or not originals are moved, so cold ones stay readable.
 *
 * @example createStorage(loadConfig(process.env).storage, loadConfig(process.env).cold)
 */
export function createStorage(config: StorageConfig, cold?: ColdConfig): Storage {
  switch (config.kind) {
    case 'file':
      return new FsStorage(config.dir, { coldDir: cold?.dir });
    case 's3':
      return new S3Storage({
        bucket: config.bucket,
        region: config.region,
        endpoint: config.endpoint,
        forcePathStyle: config.forcePathStyle,
        cold: cold && {
          // The SDK lists AWS's classes; other S3 services define their own names.
          storageClass: cold.storageClass as StorageClass,
          restoreDays: cold.restoreDays,
          restoreTier: cold.restoreTier,
        },
      });
  }
}
