import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, ListPartsCommand, S3Client } from '@aws-sdk/client-s3';
import type { DataStore } from '@tus/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_BACKENDS, startUploadKino, type UploadKino } from '../../test/upload-kino.ts';
import { createRepositories, unitOfWork } from '../repositories/repositories.ts';
import type { JobRow } from '../db/schema.ts';
import { UPLOAD_EXPIRY_MS, createTusDatastore } from './tus-server.ts';
import { createExpireUploadsHandler } from './uploads-expiry.handler.ts';

const TUS = { 'tus-resumable': '1.0.0' };
const MB = 1024 * 1024;
const HOUR = 3600_000;

describe.each(UPLOAD_BACKENDS)('uploads.expire on %s', (backend) => {
  let k: UploadKino;
  let key: string;
  let datastore: DataStore;
  beforeAll(async () => {
    k = await startUploadKino(backend);
    key = (await k.tenant()).key;
    // The worker's own store, as in a separate worker process.
    datastore = createTusDatastore(k.config.storage);
  });
  afterAll(() => k.close());

  const db = () => k.kino.database.db;

  /** Creates an upload of `size` bytes and sends its first `sent` bytes. */
  async function upload(size: number, sent: number): Promise<{ id: string; mediaId: string }> {
    const auth = { ...TUS, authorization: `Bearer ${key}` };
    const created = await fetch(`${k.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: { ...auth, 'upload-length': String(size) },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location') ?? '';
    if (sent > 0) {
      const res = await fetch(new URL(location, k.baseUrl), {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
        body: randomBytes(sent),
      });
      expect(res.status).toBe(204);
    }
    return { id: location.split('/').pop() ?? '', mediaId: created.headers.get('kino-media-id') ?? '' };
  }

  const age = (id: string, ms: number) =>
    db()
      .updateTable('uploads')
      .set({ created_at: Date.now() - ms })
      .where('id', '=', id)
      .execute();
  const row = (id: string) => db().selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
  const mediaStatus = async (id: string) =>
    (await db().selectFrom('media').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  const storedKeys = async (id: string) => {
    const keys: string[] = [];
    for await (const o of k.kino.storage.list('')) if (o.key.startsWith(id)) keys.push(o.key);
    return keys.sort();
  };
  const runExpiry = () => {
    const handle = createExpireUploadsHandler({
      repos: createRepositories(db(), k.kino.database.dialect),
      transaction: unitOfWork(k.kino.database),
      queue: k.kino.jobs.queue,
      datastore,
      storage: k.kino.storage,
    });
    return handle({
      job: {} as JobRow,
      payload: { graceMs: HOUR },
      signal: new AbortController().signal,
      progress: () => undefined,
    });
  };

  it('removes abandoned uploads past their expiry, and only those', async () => {
    // Past expiry: one with a few bytes, one with a full S3 part and a partial one.
    const small = await upload(1000, 300);
    const big = await upload(20 * MB, 9 * MB);
    const empty = await upload(500, 0);
    for (const u of [small, big, empty]) await age(u.id, UPLOAD_EXPIRY_MS + 2 * HOUR);
    // Expired, but within the grace period; fresh; finished long ago.
    const grace = await upload(1000, 10);
    await age(grace.id, UPLOAD_EXPIRY_MS + HOUR / 2);
    const fresh = await upload(1000, 10);
    const done = await upload(1000, 1000);
    await age(done.id, UPLOAD_EXPIRY_MS + 2 * HOUR);

    expect(await storedKeys(big.id)).not.toEqual([]);
    const s3UploadId =
      k.config.storage.kind === 's3' ? await multipartUploadId(k, `${big.id}.info`) : undefined;

    await runExpiry();

    for (const u of [small, big, empty]) {
      expect(await row(u.id), u.id).toBeUndefined();
      expect(await storedKeys(u.id), u.id).toEqual([]);
      // Nothing went wrong with the media: it still waits for a source another upload can bring.
      expect(await mediaStatus(u.mediaId)).toBe('waiting');
    }
    await expect(datastore.getUpload(big.id)).rejects.toMatchObject({ status_code: 404 });
    if (s3UploadId !== undefined) {
      // The multipart upload was aborted: S3 keeps no parts to bill for.
      await expect(listParts(k, big.id, s3UploadId)).rejects.toMatchObject({ name: 'NoSuchUpload' });
    }
    for (const u of [grace, fresh, done]) expect(await row(u.id), u.id).toBeDefined();
    expect(await storedKeys(done.id)).toContain(done.id);
    expect(await mediaStatus(done.mediaId)).toBe('processing');

    // The upload of a removed one is gone for its client too.
    const head = await fetch(`${k.baseUrl}/v1/uploads/${small.id}`, {
      method: 'HEAD',
      headers: { ...TUS, authorization: `Bearer ${key}` },
    });
    expect(head.status).toBe(404);
  });

  it('finishes, rather than removes, an upload whose bytes all arrived but whose finish was lost', async () => {
    const u = await upload(2000, 2000);
    // As if the process stopped between the last byte and recording it.
    await db().updateTable('uploads').set({ completed_at: null }).where('id', '=', u.id).execute();
    await db()
      .updateTable('media')
      .set({ status: 'waiting', source_key: null, source_size: null })
      .where('id', '=', u.mediaId)
      .execute();
    await db().deleteFrom('jobs').where('type', '=', 'media.process').execute();
    await age(u.id, UPLOAD_EXPIRY_MS + 2 * HOUR);

    await runExpiry();

    expect((await row(u.id))?.completed_at).toEqual(expect.any(Number));
    expect(await mediaStatus(u.mediaId)).toBe('processing');
    expect(await storedKeys(u.id)).toContain(u.id);
    const jobs = await db()
      .selectFrom('jobs')
      .select('payload')
      .where('type', '=', 'media.process')
      .execute();
    expect(jobs.map((j) => (JSON.parse(j.payload) as { mediaId: string }).mediaId)).toEqual([u.mediaId]);
  });

  it('is wired as a recurring job of the worker', async () => {
    const { jobCatalog, recurringJobs } = await import('../jobs/catalog.ts');
    expect(jobCatalog['uploads.expire'].priority).toBeGreaterThanOrEqual(50);
    expect(recurringJobs.find((r) => r.type === 'uploads.expire')?.everyMs).toBeLessThanOrEqual(HOUR);
  });
});

function s3Client(k: UploadKino): { client: S3Client; bucket: string } {
  const storage = k.config.storage;
  if (storage.kind !== 's3') throw new Error('not on S3');
  const client = new S3Client({
    region: storage.region,
    forcePathStyle: true,
    ...(storage.endpoint !== undefined && { endpoint: storage.endpoint }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { client, bucket: storage.bucket };
}

/** The S3 multipart upload behind a tus upload, as S3Store records it on its `.info` object. */
async function multipartUploadId(k: UploadKino, infoKey: string): Promise<string> {
  const { client, bucket } = s3Client(k);
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: infoKey }));
    const id = head.Metadata?.['upload-id'];
    if (!id) throw new Error(`no upload-id on ${infoKey}`);
    return id;
  } finally {
    client.destroy();
  }
}

async function listParts(k: UploadKino, key: string, uploadId: string): Promise<unknown> {
  const { client, bucket } = s3Client(k);
  try {
    return await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } finally {
    client.destroy();
  }
}
