import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import type { DataStore } from '@tus/utils';
import type { StorageConfig } from '../config/config.ts';
import { KinoS3Store } from './kino-s3-store.ts';

/** Abandoned (never finished) uploads expire after this long; a recurring job deletes them. */
export const UPLOAD_EXPIRY_MS = 24 * 3600 * 1000;

/**
 * The tus datastore on the configured storage, so partial uploads live where originals do and
 * survive restarts. An upload's bytes sit at the storage key equal to its id.
 */
export function createTusDatastore(storage: StorageConfig): DataStore {
  switch (storage.kind) {
    case 'file':
      return new FileStore({ directory: storage.dir, expirationPeriodInMilliseconds: UPLOAD_EXPIRY_MS });
    case 's3':
      return new KinoS3Store({
        // 8 MiB parts: S3's 10,000-part limit then allows uploads up to ~80 GB. An upload of at
        // most one part is stored with one PutObject (kino-s3-store.ts).
        partSize: 8 * 1024 * 1024,
        expirationPeriodInMilliseconds: UPLOAD_EXPIRY_MS,
        // Expiry is handled by Kino's own cleanup, not object tags (not every S3-compatible store has them).
        useTags: false,
        s3ClientConfig: {
          bucket: storage.bucket,
          // Checksums only where S3 requires them, as in Kino's storage adapter: some
          // S3-compatible servers store the SDK's streaming checksum framing as object bytes.
          ...(storage.endpoint !== undefined && {
            requestChecksumCalculation: 'WHEN_REQUIRED' as const,
            responseChecksumValidation: 'WHEN_REQUIRED' as const,
          }),
          region: storage.region,
          forcePathStyle: storage.forcePathStyle,
          ...(storage.endpoint !== undefined && { endpoint: storage.endpoint }),
        },
      });
  }
}

/** Response headers a browser uploader may read, besides tus's own (Location, Upload-Offset, ...). */
const KINO_EXPOSED_HEADERS = ['Upload-Expires', 'Kino-Media-Id', 'X-Request-Id'];

/** Every header a browser uploader reads, for responses Kino answers before tus does. */
export const TUS_EXPOSED_HEADERS = [
  'Location',
  'Upload-Offset',
  'Upload-Length',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  ...KINO_EXPOSED_HEADERS,
];

type TusOptions = Omit<ConstructorParameters<typeof Server>[0], 'path' | 'datastore'>;

export function createTusServer(datastore: DataStore, options: TusOptions): Server {
  return new Server({
    path: '/v1/uploads',
    datastore,
    // A finished upload is a media's original: the termination extension must not delete it.
    disableTerminationForFinishedUploads: true,
    exposedHeaders: KINO_EXPOSED_HEADERS,
    allowedHeaders: ['Authorization', 'X-Request-Id'],
    ...options,
  });
}
