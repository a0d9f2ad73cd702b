import { createHash, randomBytes } from 'node:crypto';
import http, { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from '@kino/testkit/s3';
import { MemoryLocker } from '@tus/server';
import type { DataStore } from '@tus/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { isGone } from './tus-gone.ts';
import { createTusDatastore, createTusServer } from './tus-server.ts';

const MB = 1024 * 1024;
const TUS = { 'tus-resumable': '1.0.0' };
const OCTETS = { 'content-type': 'application/offset+octet-stream' };
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let s3: S3Server;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3Server();
  // Kino's storage adapters take their credentials from the usual AWS variables.
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
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

interface TusProcess {
  url: string;
  /** S3 commands this process's store sent, by name, since it started. */
  commands: string[];
  close(): Promise<void>;
}

const storageUrl = () =>
  `s3://${s3.bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}&forcePathStyle=true`;

/** One lock for every process here, as the database gives Kino's API processes (database-upload-locker.ts). */
const locker = new MemoryLocker();

/** Kino's tus server over its S3 store, as one API process has it (its own cache and findings). */
async function startTus(): Promise<TusProcess> {
  const datastore: DataStore = createTusDatastore(loadConfig({ KINO_STORAGE_URL: storageUrl() }).storage);
  const commands: string[] = [];
  (datastore as unknown as { client: S3Client }).client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize' },
  );
  const tus = createTusServer(datastore, { relativeLocation: true, locker });
  const server: HttpServer = createServer((req, res) => {
    void tus.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/uploads`,
    commands,
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

async function create(on: TusProcess, length: number): Promise<string> {
  const res = await fetch(on.url, { method: 'POST', headers: { ...TUS, 'upload-length': String(length) } });
  expect(res.status, await res.text()).toBe(201);
  // An empty upload is complete once created: it does not expire.
  expect(res.headers.get('upload-expires') !== null).toBe(length > 0);
  return new URL(res.headers.get('location') ?? '', `${on.url}/`).pathname.split('/').pop() ?? '';
}

async function headOffset(on: TusProcess, id: string): Promise<number> {
  const res = await fetch(`${on.url}/${id}`, { method: 'HEAD', headers: TUS });
  expect(res.status).toBe(200);
  return Number(res.headers.get('upload-offset'));
}

async function patch(on: TusProcess, id: string, offset: number, body: Uint8Array): Promise<number> {
  const res = await fetch(`${on.url}/${id}`, {
    method: 'PATCH',
    headers: { ...TUS, ...OCTETS, 'upload-offset': String(offset) },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(204);
  return Number(res.headers.get('upload-offset'));
}

/**
 * A PATCH announcing `declared` bytes whose connection is cut after `sent` of them: the client
 * went away mid-body, its socket closed with no more bytes.
 */
async function cutPatch(on: TusProcess, id: string, offset: number, declared: Buffer, sent: number) {
  const req = http.request(`${on.url}/${id}`, {
    method: 'PATCH',
    headers: {
      ...TUS,
      ...OCTETS,
      'upload-offset': String(offset),
      'content-length': String(declared.length),
    },
  });
  req.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    req.write(declared.subarray(0, sent), () => {
      resolve();
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  req.destroy();
}

/** The offset once the cut request has stored what it kept: a HEAD waits for the request's lock. */
async function settledOffset(on: TusProcess, id: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  return headOffset(on, id);
}

async function storedBytes(key: string): Promise<Uint8Array> {
  const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
}

async function keysOf(id: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: id }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
}

/** Resumes from the offset `on` reports, in pieces of at most `piece` bytes. */
async function finish(on: TusProcess, id: string, source: Buffer, piece = source.length): Promise<void> {
  let offset = await headOffset(on, id);
  while (offset < source.length) {
    const end = Math.min(source.length, offset + piece);
    expect(await patch(on, id, offset, source.subarray(offset, end))).toBe(end);
    offset = end;
  }
}

describe("Kino's tus store on S3, for an upload that fits in one part", () => {
  it('stores it with one PutObject: no multipart upload, one request to create, four to write elsewhere', async () => {
    const a = await startTus();
    const b = await startTus();
    try {
      const source = randomBytes(300_000);
      const id = await create(a, source.length);
      // The creation writes its .info, and answers Upload-Expires from what it just did.
      expect(a.commands).toEqual(['PutObject']);
      // Another process takes the bytes: it reads the .info once, finds nothing stored yet, stores the whole.
      expect(await patch(b, id, 0, source)).toBe(source.length);
      expect(b.commands).toEqual(['GetObject', 'HeadObject', 'HeadObject', 'PutObject']);
      expect(sha256(await storedBytes(id))).toBe(sha256(source));
      expect(await keysOf(id)).toEqual([id, `${id}.info`]);
      expect(await headOffset(a, id)).toBe(source.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keeps the bytes of a PATCH cut by its client, and another process completes the upload whole', async () => {
    const a = await startTus();
    const b = await startTus();
    try {
      const source = randomBytes(3 * MB + 777);
      const id = await create(a, source.length);
      expect(await patch(a, id, 0, source.subarray(0, MB))).toBe(MB);
      await cutPatch(a, id, MB, source.subarray(MB), MB + 1234);
      const offset = await settledOffset(b, id);
      expect(offset).toBeGreaterThanOrEqual(MB);
      expect(offset).toBeLessThanOrEqual(2 * MB + 1234);
      // What the store holds so far is exactly the source's first bytes.
      const part = await storedBytes(`${id}.part`);
      expect(part.length).toBe(offset);
      expect(sha256(part)).toBe(sha256(source.subarray(0, offset)));

      await finish(b, id, source);
      expect(sha256(await storedBytes(id))).toBe(sha256(source));
      expect(await keysOf(id)).toEqual([id, `${id}.info`]);
      expect(await headOffset(a, id)).toBe(source.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses a PATCH at a stale offset without touching what is stored', async () => {
    const a = await startTus();
    try {
      const source = randomBytes(100_000);
      const id = await create(a, source.length);
      await patch(a, id, 0, source.subarray(0, 40_000));
      const stale = await fetch(`${a.url}/${id}`, {
        method: 'PATCH',
        headers: { ...TUS, ...OCTETS, 'upload-offset': '0' },
        body: source,
      });
      expect(stale.status).toBe(409);
      expect(await headOffset(a, id)).toBe(40_000);
      await finish(a, id, source);
      expect(sha256(await storedBytes(id))).toBe(sha256(source));
    } finally {
      await a.close();
    }
  });

  it('removes every object of a terminated upload', async () => {
    const a = await startTus();
    try {
      const id = await create(a, 50_000);
      await patch(a, id, 0, randomBytes(20_000));
      expect(await keysOf(id)).toEqual([`${id}.info`, `${id}.part`]);
      const res = await fetch(`${a.url}/${id}`, { method: 'DELETE', headers: TUS });
      expect(res.status).toBe(204);
      expect(await keysOf(id)).toEqual([]);
    } finally {
      await a.close();
    }
  });

  it('calls an upload gone only when S3 says so, not when S3 cannot be reached', async () => {
    const a = await startTus();
    try {
      const id = await create(a, 1000);
      const down = createTusDatastore(
        loadConfig({
          KINO_STORAGE_URL: `s3://${s3.bucket}?endpoint=${encodeURIComponent('http://127.0.0.1:9')}&region=${s3.region}&forcePathStyle=true`,
        }).storage,
      );
      for (const attempt of [() => down.getUpload(id), () => down.remove(id)]) {
        const err: unknown = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeDefined();
        expect(isGone(err)).toBe(false);
      }
      const up = createTusDatastore(loadConfig({ KINO_STORAGE_URL: storageUrl() }).storage);
      const missing: unknown = await up.getUpload('upl_missing').catch((e: unknown) => e);
      expect(isGone(missing)).toBe(true);
    } finally {
      await a.close();
    }
  }, 30_000);

  it('stores an empty upload as it is created', async () => {
    const a = await startTus();
    try {
      const id = await create(a, 0);
      const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: id }));
      expect(head.ContentLength).toBe(0);
      expect(await headOffset(a, id)).toBe(0);
    } finally {
      await a.close();
    }
  });
});

describe("Kino's tus store on S3, for an upload of many parts (the library's multipart path)", () => {
  // Parts are 8 MiB (tus-server.ts); S3 refuses parts under 5 MiB but the last.
  const source = randomBytes(20 * MB + 4321);

  for (const cutAt of [3 * MB, 6 * MB, 11 * MB, 14 * MB]) {
    it(`resumes whole after a PATCH cut at ${cutAt / MB} MiB, through another process`, async () => {
      const a = await startTus();
      const b = await startTus();
      try {
        const id = await create(a, source.length);
        await cutPatch(a, id, 0, source, cutAt);
        const offset = await settledOffset(b, id);
        // What arrived before the cut is kept (a part, or the short last part in `.part`).
        expect(offset).toBeGreaterThan(0);
        expect(offset).toBeLessThanOrEqual(cutAt);
        expect(await headOffset(a, id)).toBe(offset);
        await finish(b, id, source, 8 * MB);
        const stored = await storedBytes(id);
        expect(stored.length).toBe(source.length);
        expect(sha256(stored)).toBe(sha256(source));
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  }
});
