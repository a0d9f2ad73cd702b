import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { S3Store } from '@tus/s3-store';
import { Server as TusServer } from '@tus/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from './s3.ts';

const MB = 1024 * 1024;
const PART_SIZE = 5 * MB;

let s3: S3Server;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3Server();
  client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  client.destroy();
  await s3.stop();
});

/** A tus server over a fresh S3Store, as another process would have. */
async function startTus(): Promise<{ url: string; close(): Promise<void> }> {
  const store = new S3Store({
    partSize: PART_SIZE,
    useTags: false,
    s3ClientConfig: {
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
  });
  const tus = new TusServer({ path: '/files', datastore: store });
  const http: HttpServer = createServer((req, res) => {
    void tus.handle(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/files`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections();
        http.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}

const TUS = { 'Tus-Resumable': '1.0.0' };

async function headOffset(url: string): Promise<number> {
  const res = await fetch(url, { method: 'HEAD', headers: TUS });
  expect(res.status).toBe(200);
  return Number(res.headers.get('Upload-Offset'));
}

async function patch(url: string, offset: number, body: Uint8Array): Promise<number> {
  const res = await fetch(url, {
    method: 'PATCH',
    headers: { ...TUS, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(204);
  return Number(res.headers.get('Upload-Offset'));
}

/** Sends `sent` bytes of a PATCH, then aborts the request before the body ends. */
async function interruptedPatch(url: string, offset: number, sent: Uint8Array): Promise<void> {
  const controller = new AbortController();
  const body = new ReadableStream<Uint8Array>({
    start(stream) {
      stream.enqueue(sent);
      // Never closed: the request is cut short by the abort below.
    },
  });
  const request = fetch(url, {
    method: 'PATCH',
    headers: {
      ...TUS,
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
    },
    body,
    duplex: 'half',
    signal: controller.signal,
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  controller.abort();
  await expect(request).rejects.toThrow();
  // Let the tus server finish whatever it does with the bytes it received.
  await new Promise((resolve) => setTimeout(resolve, 500));
}

describe('the test S3 server with @tus/s3-store', () => {
  it('takes a resumable upload, interrupted and resumed from another store', async () => {
    const source = randomBytes(12 * MB + 12345);
    const first = await startTus();
    const second = await startTus();
    try {
      const created = await fetch(first.url, {
        method: 'POST',
        headers: { ...TUS, 'Upload-Length': String(source.length) },
      });
      expect(created.status, await created.text()).toBe(201);
      const location = created.headers.get('Location');
      expect(location).toBeTruthy();
      const id = new URL(location!, first.url).pathname.split('/').at(-1)!;
      const onFirst = `${first.url}/${id}`;
      const onSecond = `${second.url}/${id}`;

      expect(await headOffset(onFirst)).toBe(0);
      let offset = await patch(onFirst, 0, source.subarray(0, PART_SIZE));
      expect(offset).toBe(PART_SIZE);

      // Cut a PATCH short after 2 MB; whatever the server kept is reported by HEAD.
      await interruptedPatch(onFirst, offset, source.subarray(offset, offset + 2 * MB));
      offset = await headOffset(onFirst);
      expect(offset).toBeGreaterThanOrEqual(PART_SIZE);
      expect(offset).toBeLessThanOrEqual(PART_SIZE + 2 * MB);

      // Another process sees the same offset and finishes the upload.
      expect(await headOffset(onSecond)).toBe(offset);
      while (offset < source.length) {
        const end = Math.min(source.length, offset + PART_SIZE);
        const next = await patch(onSecond, offset, source.subarray(offset, end));
        expect(next).toBe(end);
        offset = next;
      }
      expect(await headOffset(onSecond)).toBe(source.length);
      expect(await headOffset(onFirst)).toBe(source.length);

      const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: id }));
      const bytes = await object.Body!.transformToByteArray();
      expect(bytes.length).toBe(source.length);
      const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
      expect(sha(bytes)).toBe(sha(source));
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('lists parts page by page and aborts an upload', async () => {
    const Key = 'multipart/list-parts';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key }));
    const etags: string[] = [];
    for (const PartNumber of [1, 2, 3]) {
      const { ETag } = await client.send(
        new UploadPartCommand({
          Bucket: s3.bucket,
          Key,
          UploadId,
          PartNumber,
          Body: Buffer.alloc(PartNumber * 10, PartNumber),
        }),
      );
      etags.push(ETag!);
    }

    const firstPage = await client.send(
      new ListPartsCommand({ Bucket: s3.bucket, Key, UploadId, MaxParts: 2 }),
    );
    expect(firstPage.IsTruncated).toBe(true);
    expect(firstPage.NextPartNumberMarker).toBe('2');
    expect(firstPage.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, etags[0], 10],
      [2, etags[1], 20],
    ]);
    expect(firstPage.Parts?.[0]?.LastModified).toBeInstanceOf(Date);

    const secondPage = await client.send(
      new ListPartsCommand({
        Bucket: s3.bucket,
        Key,
        UploadId,
        PartNumberMarker: firstPage.NextPartNumberMarker,
      }),
    );
    expect(secondPage.IsTruncated).toBe(false);
    expect(secondPage.PartNumberMarker).toBe('2');
    expect(secondPage.Parts?.map((p) => p.PartNumber)).toEqual([3]);

    await client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key, UploadId }));
    await expect(
      client.send(new ListPartsCommand({ Bucket: s3.bucket, Key, UploadId })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
    await expect(
      client.send(new UploadPartCommand({ Bucket: s3.bucket, Key, UploadId, PartNumber: 4, Body: 'x' })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });
});
