import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from '@kino/testkit/s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage, type S3StorageOptions } from './s3-storage.ts';
import { storageContract } from './storage.contract.ts';

let server: S3Server;
let admin: S3Client;
let buckets = 0;

beforeAll(async () => {
  server = await startS3Server();
  admin = new S3Client(clientOptions(server));
});
afterAll(async () => {
  admin.destroy();
  await server.stop();
});

function clientOptions(s3: S3Server) {
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  };
}

/** A storage over a new, empty bucket. */
async function makeStorage(opts: Partial<S3StorageOptions> = {}): Promise<S3Storage> {
  const bucket = `test-${process.pid}-${++buckets}`;
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  return new S3Storage({ ...clientOptions(server), bucket, partSize: 5 * 1024 * 1024, ...opts });
}

// s3rver keeps a storage class but runs no archive: STANDARD_IA (read directly) is the class
// it can prove end to end; the archival path (RestoreObject) is covered in s3-cold-tier.test.ts.
storageContract('s3', async () => {
  const storage = await makeStorage({
    cold: { storageClass: 'STANDARD_IA', restoreDays: 1, restoreTier: 'Standard' },
  });
  return {
    storage,
    cleanup: async () => {
      storage.destroy();
    },
  };
});

describe('S3Storage', () => {
  it('copies an object above the CopyObject limit by streaming it', async () => {
    const storage = await makeStorage({ maxCopyObjectSize: 1000 });
    try {
      const data = randomBytes(5000);
      await storage.put('big/a', data, { contentType: 'video/mp4' });
      await storage.copy('big/a', 'big/b');
      const got = await storage.get('big/b');
      expect(Buffer.concat((await got.body.toArray()) as Buffer[])).toEqual(data);
      expect(got.contentType).toBe('video/mp4');
    } finally {
      storage.destroy();
    }
  });

  it('fails its readiness check when the bucket does not exist', async () => {
    const storage = new S3Storage({ ...clientOptions(server), bucket: 'no-such-bucket' });
    try {
      await expect(storage.check()).rejects.toThrow();
    } finally {
      storage.destroy();
    }
  });

  it('uses the bucket the test server created', async () => {
    const storage = new S3Storage({ ...clientOptions(server), bucket: server.bucket });
    try {
      await storage.check();
    } finally {
      storage.destroy();
    }
  });
});
