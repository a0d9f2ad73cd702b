import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startCeph, type CephS3 } from '@kino/testkit/ceph';
import { MemoryLocker } from '@tus/server';
import { createHash, randomBytes } from 'node:crypto';
import http, { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { createTusDatastore, createTusServer } from './tus-server.ts';

// Kino's tus uploads (KinoS3Store: one PutObject for one part, S3 multipart above) on a real S3
// implementation: Ceph's radosgw (packages/testkit/src/ceph).

const MB = 1024 * 1024;
const TUS = { 'tus-resumable': '1.0.0' };
const OCTETS = { 'content-type': 'application/offset+octet-stream' };
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

let ceph: CephS3;
let client: S3Client;

beforeAll(async () => {
  ceph = await startCeph();
  // Kino's storage adapters take their credentials from the usual AWS variables.
  process.env.AWS_ACCESS_KEY_ID = ceph.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = ceph.secretAccessKey;
  client = new S3Client({
    endpoint: ceph.endpoint,
    region: ceph.region,
    forcePathStyle: true,
    credentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
  });
}, 600_000);
afterAll(async () => {
  // Unset when start-up failed.
  (client as S3Client | undefined)?.destroy();
  await (ceph as CephS3 | undefined)?.stop();
});

/** One lock for both processes, as the database gives Kino's API processes. */
const locker = new MemoryLocker();

/** Kino's tus server over its S3 store, as one API process has it. */
async function startTus(): Promise<{ url: string; close(): Promise<void> }> {
  const storageUrl = `s3://${ceph.bucket}?${new URLSearchParams({
    endpoint: ceph.endpoint,
    region: ceph.region,
    forcePathStyle: 'true',
  }).toString()}`;
  const datastore = createTusDatastore(loadConfig({ KINO_STORAGE_URL: storageUrl }).storage);
  const tus = createTusServer(datastore, { relativeLocation: true, locker });
  const server = createServer((req, res) => {
    void tus.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/uploads`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}

async function create(url: string, length: number): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { ...TUS, 'upload-length': String(length) } });
  expect(res.status, await res.text()).toBe(201);
  return new URL(res.headers.get('location') ?? '', `${url}/`).pathname.split('/').pop() ?? '';
}

async function headOffset(url: string, id: string): Promise<number> {
  const res = await fetch(`${url}/${id}`, { method: 'HEAD', headers: TUS });
  expect(res.status).toBe(200);
  return Number(res.headers.get('upload-offset'));
}

/** Sends the rest of `source` from the offset the server reports, in pieces of at most `piece` bytes. */
async function finish(url: string, id: string, source: Buffer, piece: number): Promise<void> {
  let offset = await headOffset(url, id);
  while (offset < source.length) {
    const end = Math.min(source.length, offset + piece);
    const res = await fetch(`${url}/${id}`, {
      method: 'PATCH',
      headers: { ...TUS, ...OCTETS, 'upload-offset': String(offset) },
      body: source.subarray(offset, end),
    });
    expect(res.status, await res.text()).toBe(204);
    expect(Number(res.headers.get('upload-offset'))).toBe(end);
    offset = end;
  }
}

/** A PATCH of all of `source` whose client goes away after `sent` bytes. */
async function cutPatch(url: string, id: string, source: Buffer, sent: number): Promise<void> {
  const req = http.request(`${url}/${id}`, {
    method: 'PATCH',
    headers: { ...TUS, ...OCTETS, 'upload-offset': '0', 'content-length': String(source.length) },
  });
  req.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    req.write(source.subarray(0, sent), () => {
      resolve();
    });
  });
  await sleep(300);
  req.destroy();
}

async function stored(key: string): Promise<{ bytes: Uint8Array; etag: string }> {
  const object = await client.send(new GetObjectCommand({ Bucket: ceph.bucket, Key: key }));
  return {
    bytes: (await object.Body?.transformToByteArray()) ?? new Uint8Array(),
    etag: object.ETag ?? '',
  };
}

describe("Kino's tus store on ceph radosgw", () => {
  it('stores an upload of many parts whole after a PATCH cut mid-part, resumed through another process', async () => {
    const source = randomBytes(20 * MB + 4321);
    const [a, b] = await Promise.all([startTus(), startTus()]);
    try {
      const id = await create(a.url, source.length);
      await cutPatch(a.url, id, source, 11 * MB);
      // The HEAD waits for the cut request's lock, so it sees what that request kept.
      const offset = await headOffset(b.url, id);
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThanOrEqual(11 * MB);
      await finish(b.url, id, source, 8 * MB);

      const { bytes, etag } = await stored(id);
      expect(bytes.length).toBe(source.length);
      expect(sha256(bytes)).toBe(sha256(source));
      // Completed from 8 MiB parts by CompleteMultipartUpload: S3 marks the ETag with the count.
      expect(etag).toMatch(/-3"?$/);
      // Nothing of the upload's bookkeeping is left beside it but its `.info`.
      const listed = await client.send(new ListObjectsV2Command({ Bucket: ceph.bucket, Prefix: id }));
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([id, `${id}.info`]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('stores an upload of one part with one PutObject, whole', async () => {
    const source = randomBytes(3 * MB + 17);
    const a = await startTus();
    try {
      const id = await create(a.url, source.length);
      await finish(a.url, id, source, MB);
      const { bytes, etag } = await stored(id);
      expect(sha256(bytes)).toBe(sha256(source));
      expect(etag).not.toMatch(/-\d+"?$/);
      const head = await client.send(new HeadObjectCommand({ Bucket: ceph.bucket, Key: id }));
      expect(head.ContentLength).toBe(source.length);
    } finally {
      await a.close();
    }
  });
});
