import path from 'node:path';
import type { StorageConfig } from '../config/config.ts';
import { keyProblem } from '../storage/keys.ts';
import { BackupError } from './backup-errors.ts';

/** Where backups are kept: a storage (folder or bucket) and a key prefix inside it ('' or ending in '/'). */
export interface BackupLocation {
  storage: StorageConfig;
  prefix: string;
  /** The URL with any password hidden, for messages. */
  display: string;
}

/** A backup URL that cannot be used; its message is one line for the operator. */
export class BackupLocationError extends BackupError {
  override name = 'BackupLocationError';
}

/**
 * Parses `file:///folder` or `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true`
 * (S3 credentials come from the usual AWS variables, as for KINO_STORAGE_URL).
 *
 * @example parseBackupLocation('s3://backups/kino?region=eu-west-1') // prefix 'kino/'
 */
export function parseBackupLocation(value: string): BackupLocation {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new BackupLocationError(`'${value}' is not a URL (use file:///folder or s3://bucket/prefix)`);
  }
  const display = `${url.protocol}//${url.host}${url.pathname}`;
  switch (url.protocol) {
    case 'file:': {
      const dir = decodeURIComponent(url.pathname);
      if (!dir || dir === '/')
        throw new BackupLocationError('a file:// backup URL needs a folder other than /');
      return { storage: { kind: 'file', dir: path.resolve(dir) }, prefix: '', display };
    }
    case 's3:': {
      if (!url.hostname)
        throw new BackupLocationError('an s3:// backup URL needs a bucket (s3://BUCKET/prefix)');
      const trimmed = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
      if (trimmed !== '' && keyProblem(trimmed) !== undefined) {
        throw new BackupLocationError(
          `the prefix '${trimmed}' is not a valid key (${keyProblem(trimmed) ?? ''})`,
        );
      }
      const endpoint = url.searchParams.get('endpoint') ?? undefined;
      if (endpoint !== undefined && !URL.canParse(endpoint)) {
        throw new BackupLocationError('the endpoint of the s3:// backup URL is not a URL');
      }
      return {
        storage: {
          kind: 's3',
          bucket: url.hostname,
          endpoint,
          region: url.searchParams.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
          forcePathStyle: url.searchParams.get('forcePathStyle') === 'true',
        },
        prefix: trimmed === '' ? '' : `${trimmed}/`,
        display,
      };
    }
    default:
      throw new BackupLocationError(
        `unsupported scheme '${url.protocol}' (use file:///folder or s3://bucket/prefix)`,
      );
  }
}
