import { describe, expect, it } from 'vitest';
import { createStorage } from './create-storage.ts';
import { FsStorage } from './fs-storage.ts';
import { S3Storage } from './s3-storage.ts';

describe('createStorage', () => {
  it('makes a folder storage for a file configuration', () => {
    const storage = createStorage({ kind: 'file', dir: '/tmp/kino-storage-x' });
    expect(storage).toBeInstanceOf(FsStorage);
    expect(storage instanceof FsStorage && storage.root).toBe('/tmp/kino-storage-x');
  });

  it('makes a bucket storage for an S3 configuration', () => {
    const storage = createStorage({
      kind: 's3',
      bucket: 'media',
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      forcePathStyle: true,
    });
    expect(storage).toBeInstanceOf(S3Storage);
    expect(storage instanceof S3Storage && storage.bucket).toBe('media');
    if (storage instanceof S3Storage) storage.destroy();
  });
});
