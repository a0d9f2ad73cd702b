import {
  CopyObjectCommand,
  CreateBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { startCeph, type CephS3 } from '@kino/testkit/ceph';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage, type S3StorageOptions } from './s3-storage.ts';
import { storageContract } from './storage.contract.ts';

// The storage contract, multipart uploads, presigned URLs and storage classes on a real S3
// implementation: Ceph's radosgw over one monitor and one OSD (packages/testkit/src/ceph).

const MiB = 1024 * 1024;
let ceph: CephS3;
let admin: S3Client;
let buckets = 0;

beforeAll(async () => {
  ceph = await startCeph();
  console.info(`ceph: started in ${ceph.startup.totalMs} ms`, ceph.startup.steps);
  admin = new S3Client(clientOptions(ceph));
}, 600_000);
afterAll(async () => {
  // Unset when start-up failed.
  (admin as S3Client | undefined)?.destroy();
  await (ceph as CephS3 | undefined)?.stop();
});

function clientOptions(s3: CephS3) {
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  };
}

/** A storage over a new, empty bucket. */
async function makeStorage(opts: Partial<S3StorageOptions> = {}): Promise<S3Storage> {
  const bucket = `ceph-${process.pid}-${++buckets}`;
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  return new S3Storage({ ...clientOptions(ceph), bucket, partSize: 5 * MiB, ...opts });
}

// The cold tier moves objects to radosgw's own COLD class (its data pool), read without a restore.
storageContract('s3 on ceph radosgw', async () => {
  const storage = await makeStorage({
    cold: { storageClass: ceph.coldStorageClass as StorageClass, restoreDays: 1, restoreTier: 'Standard' },
  });
  return {
    storage,
    cleanup: async () => {
      storage.destroy();
    },
  };
});

describe('S3Storage on ceph radosgw', () => {
  let storage: S3Storage;
  beforeAll(async () => {
    storage = await makeStorage();
  });
  afterAll(() => {
    storage.destroy();
  });

  it('stores a stream larger than a part as a multipart upload, whole and in order', async () => {
    const data = randomBytes(11 * MiB + 123);
    const chunks = Array.from({ length: Math.ceil(data.length / (256 * 1024)) }, (_, i) =>
      data.subarray(i * 256 * 1024, (i + 1) * 256 * 1024),
    );
    const result = await storage.put('media/m1/original', Readable.from(chunks), {
      contentType: 'video/mp4',
      sha256: true,
      size: data.length,
    });
    expect(result).toEqual({ size: data.length, sha256: sha256(data) });
    // S3 tags an object completed from N parts with an ETag ending in `-N`.
    const info = await storage.head('media/m1/original');
    expect(info?.size).toBe(data.length);
    expect(info?.etag).toMatch(/-3$/);
    const got = await storage.get('media/m1/original');
    expect(got.contentType).toBe('video/mp4');
    expect(sha256(await readAll(got.body))).toBe(sha256(data));
    const tail = await storage.get('media/m1/original', { start: 10 * MiB });
    expect(sha256(await readAll(tail.body))).toBe(sha256(data.subarray(10 * MiB)));
  });

  it('signs a GET URL that plain fetch opens, with the content type asked for; a tampered one is refused', async () => {
    const data = randomBytes(64 * 1024);
    await storage.put('media/m2/v1/360p/seg-1.m4s', data);
    const url = await storage.presignGet('media/m2/v1/360p/seg-1.m4s', 300, {
      contentType: 'video/iso.segment',
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/iso.segment');
    expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(data));

    const ranged = await fetch(url, { headers: { range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(data.subarray(10, 20));

    const tampered = new URL(url);
    tampered.pathname = tampered.pathname.replace('seg-1', 'seg-2');
    const refused = await fetch(tampered);
    await refused.body?.cancel();
    expect(refused.status).toBe(403);
  });

  it('keeps the storage class given on PUT and on a copy, reports it on HEAD, and still reads the object', async () => {
    const cold = ceph.coldStorageClass as StorageClass;
    const bucket = storage.bucket;
    const classOf = async (key: string): Promise<string> => {
      const head = await admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      // S3 leaves out the header for STANDARD.
      return head.StorageClass ?? 'STANDARD';
    };

    await admin.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'cold/put', Body: 'put cold', StorageClass: cold }),
    );
    expect(await classOf('cold/put')).toBe(cold);
    expect((await readAll((await storage.get('cold/put')).body)).toString()).toBe('put cold');

    // An object Kino wrote, moved to the cold class by a copy onto itself, as a lifecycle step would.
    const data = randomBytes(300_000);
    await storage.put('media/m3/original', data, { contentType: 'video/mp4' });
    expect(await classOf('media/m3/original')).toBe('STANDARD');
    await admin.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'media/m3/original',
        CopySource: `${bucket}/media/m3/original`,
        StorageClass: cold,
        MetadataDirective: 'REPLACE',
        ContentType: 'video/mp4',
      }),
    );
    expect(await classOf('media/m3/original')).toBe(cold);
    const got = await storage.get('media/m3/original');
    expect(got.contentType).toBe('video/mp4');
    expect(sha256(await readAll(got.body))).toBe(sha256(data));

    // Kino's own copy of a cold object reads whole. (Its class differs by implementation: AWS gives
    // a copy without a class STANDARD, radosgw keeps the source's.)
    await storage.copy('media/m3/original', 'media/m3/copy');
    const copy = await storage.get('media/m3/copy');
    expect(sha256(await readAll(copy.body))).toBe(sha256(data));
  });

  it('refuses a storage class the zone does not define', async () => {
    await expect(
      admin.send(
        new PutObjectCommand({
          Bucket: storage.bucket,
          Key: 'cold/unknown',
          Body: 'x',
          StorageClass: 'NO_SUCH_CLASS' as StorageClass,
        }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    expect(await storage.head('cold/unknown')).toBeNull();
  });
});

async function readAll(body: Readable): Promise<Buffer> {
  return Buffer.concat((await body.toArray()) as Buffer[]);
}

// Digests rather than the bytes: comparing megabytes element by element takes the matcher seconds.
function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
