import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { fakeMp4, fileSource, startSource, type SourceServer } from '../../test/test-source-server.ts';
import { createRepositories, unitOfWork, type Repositories } from '../repositories/repositories.ts';
import type { JobRow } from '../db/schema.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import { PermanentJobError } from '../jobs/job-errors.ts';
import type { JobContext, PayloadOf } from '../jobs/job-registry.ts';
import { importKey, processingKey } from '../media/media-job-keys.ts';
import type { MediaJson } from '../media/media.schemas.ts';
import { ImportError } from './import-error.ts';
import { importMediaHandler } from './import-media.handler.ts';

type Payload = PayloadOf<KinoJobCatalog, 'media.import'>;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

// The worker is off: each test runs the import handler by hand, attempt by attempt.
describe('media.import handler', () => {
  let kino: MediaKino;
  let repos: Repositories;
  let key: string;
  let tenantId: string;
  let source: SourceServer | undefined;

  beforeAll(async () => {
    kino = await startMediaKino('sqlite+disk', { importAllowPrivate: true, worker: false });
    repos = createRepositories(kino.database.db, kino.database.dialect);
    ({ id: tenantId, key } = await kino.tenant());
  });
  afterAll(() => kino.close());
  afterEach(async () => {
    await source?.close();
    source = undefined;
  });

  const handler = () =>
    importMediaHandler({
      repos,
      transaction: unitOfWork(kino.database),
      storage: kino.storage,
      queue: kino.jobs.queue,
      workRoot: `${kino.config.dataDir}/work`,
      allowPrivate: true,
      fetch: { retries: 1, retryDelay: { baseMs: 1, maxMs: 5 } },
    });

  /** Creates a media importing `url` and returns its queued import job. */
  async function importing(url: string): Promise<{ media: MediaJson; job: JobRow }> {
    const res = await kino.call(key, 'POST', '/v1/media', { input: { url } });
    expect(res.statusCode).toBe(201);
    const media = res.json<MediaJson>();
    const job = await repos.jobs.unfinishedWithKey(importKey(media.id));
    if (!job) throw new Error('no import job was enqueued');
    return { media, job };
  }

  function attempt(job: JobRow, n: number): JobContext<Payload> {
    return {
      job: { ...job, attempt: n, state: 'running' },
      payload: JSON.parse(job.payload) as Payload,
      signal: new AbortController().signal,
      progress: () => undefined,
    };
  }

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => {
        throw new Error('expected the attempt to fail');
      },
      (err: unknown) => err,
    );
  }

  it('stores the original once and starts processing once, however often it runs', async () => {
    const data = fakeMp4(300_000);
    source = await startSource(fileSource({ data, etag: '"v1"' }));
    const { media, job } = await importing(`${source.origin}/talks/Keynote.mp4`);
    expect(media).toMatchObject({ status: 'processing', title: 'Keynote', error: null });

    await handler()(attempt(job, 1));
    // A second run (a worker that died before recording success) finds the work done.
    await handler()(attempt(job, 2));

    expect(source.requests).toHaveLength(1);
    const row = await repos.media.get(tenantId, media.id);
    const { sourceKey } = JSON.parse(job.payload) as Payload;
    expect(row).toMatchObject({
      status: 'processing',
      source_key: sourceKey,
      source_size: data.length,
      source_sha256: sha256(data),
      source_filename: 'Keynote.mp4',
    });
    const processing = (await repos.jobs.list({ tenantId, type: 'media.process', limit: 100 })).filter(
      (j) => j.idempotency_key === processingKey(media.id),
    );
    expect(processing).toHaveLength(1);
    const stored = await kino.storage.get(sourceKey);
    expect(sha256(Buffer.concat((await stored.body.toArray()) as Buffer[]))).toBe(sha256(data));
  });

  it('leaves a 5xx to the job backoff, and ends the media import_failed on the last attempt', async () => {
    source = await startSource((_req, res) => res.writeHead(503).end());
    const { media, job } = await importing(`${source.origin}/a.mp4?sig=hunter2`);

    const early = await failure(handler()(attempt(job, 1)));
    expect(early).toBeInstanceOf(ImportError);
    expect(early).not.toBeInstanceOf(PermanentJobError);
    expect(await repos.media.get(tenantId, media.id)).toMatchObject({
      status: 'processing',
      error_code: null,
    });

    const last = await failure(handler()(attempt(job, job.max_attempts)));
    expect(last).not.toBeInstanceOf(PermanentJobError);
    const row = await repos.media.get(tenantId, media.id);
    expect(row).toMatchObject({ status: 'errored', error_code: 'import_failed', source_key: null });
    expect(row?.error_message).toBe(
      `The import failed after ${job.max_attempts} attempts: the source answered 503 Service Unavailable.`,
    );
  });

  it('ends a refused import at once, without a retry', async () => {
    source = await startSource((_req, res) => res.writeHead(404).end('<h1>gone</h1>'));
    const { media, job } = await importing(`${source.origin}/gone.mp4`);
    const err = await failure(handler()(attempt(job, 1)));
    expect(err).toBeInstanceOf(PermanentJobError);
    expect(await repos.media.get(tenantId, media.id)).toMatchObject({
      status: 'errored',
      error_code: 'import_failed',
      error_message: 'The import failed: the source answered 404 Not Found.',
    });
  });

  it('gives up when the media was deleted before the import ran', async () => {
    source = await startSource(fileSource({ data: fakeMp4(1000) }));
    const { media, job } = await importing(`${source.origin}/a.mp4`);
    expect((await kino.call(key, 'DELETE', `/v1/media/${media.id}`)).statusCode).toBe(204);
    expect(await failure(handler()(attempt(job, 1)))).toBeInstanceOf(PermanentJobError);
    expect(source.requests).toHaveLength(0);
  });
});
