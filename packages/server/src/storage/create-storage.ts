import type { StorageConfig } from '../config/config.ts';
import { FsStorage } from './fs-storage.ts';
import { S3Storage } from './s3-storage.ts';
import type { Storage } from './storage.ts';

/**
 * The storage adapter for a configuration; S3 credentials come from the usual AWS variables.
 *
 * @example createStorage(loadConfig(process.env).storage)
 */
export function createStorage(config: StorageConfig): Storage {
  switch (config.kind) {
    case 'file':
      return new FsStorage(config.dir);
    case 's3':
      return new S3Storage({
        bucket: config.bucket,
        region: config.region,
        endpoint: config.endpoint,
        forcePathStyle: config.forcePathStyle,
      });
  }
}
