import { generate } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusUpload, waitForMedia } from '../../test/media-upload.ts';
import { parseHls } from '../../test/stream-parsers.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import { createRepositories, unitOfWork, type Repositories } from '../repositories/repositories.ts';
import type { JobRow } from '../db/schema.ts';
import { recurringJobs } from '../jobs/catalog.ts';
import { encodingKey, processingKey } from './media-job-keys.ts';
import { reconcileHandler } from './media-jobs.ts';
import type { MediaJson } from './media.schemas.ts';

const RECONCILE = recurringJobs.find((r) => r.type === 'media.reconcile');
const STUCK_FOR_MS = RECONCILE?.payload.stuckForMs ?? 0;

/**
 * A reprocess whose job dies (its worker stops heartbeating on every attempt, so the lease runs out
 * and the job ends `dead`) leaves its media `processing` with no job to finish it. The recurring
 * reconcile job must then put the media back to `ready` on its published version, with the
 * failure in `error`: never `errored` with its version lost, never stuck.
 *
 * The worker is stopped once the media is first ready; a made-up worker then claims the jobs and
 * dies, and the reconcile handler runs as the worker would run it, with the clock past stuckForMs.
 */
describe('a reprocess whose job dies, then the reconcile job', () => {
  let kino: TestKino;
  let repos: Repositories;
  let key = '';
  let mediaId = '';
  let first: MediaJson;
  let version = '';

  beforeAll(async () => {
    kino = await startTestKino('sqlite');
    repos = createRepositories(kino.database.db, kino.database.dialect);
    const base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    key = (await kino.tenant()).key;
    kino.start();
    const file = await generate({ width: 320, height: 180, durationSec: 4, fps: 24 });
    mediaId = (await tusUpload(base, key, file, { visibility: 'private' })).mediaId;
    const { final } = await waitForMedia(kino, key, [mediaId], { timeoutMs: 40_000 });
    first = final.get(mediaId) ?? ({} as MediaJson);
    expect(first.status).toBe('ready');
    version = (await playing()).version;
    await kino.jobs.stop();
  }, 90_000);
  afterAll(() => kino.close());

  const media = async () => (await kino.call(key, 'GET', `/v1/media/${mediaId}`)).json<MediaJson>();
  /** What a player gets: the master's first variant (its version) and that variant's first segment. */
  const playing = async () => {
    const tokened = await kino.call(key, 'POST', `/v1/media/${mediaId}/playback-tokens`, {});
    const masterPath = new URL(tokened.json<{ playback: { hls: string } }>().playback.hls).pathname;
    const master = await kino.app.inject({ method: 'GET', url: masterPath });
    expect(master.statusCode).toBe(200);
    const playlistPath = new URL(
      parseHls(master.body).manifest.playlists?.[0]?.uri ?? '',
      `http://x${masterPath}`,
    ).pathname;
    const playlist = await kino.app.inject({ method: 'GET', url: playlistPath });
    const segment = parseHls(playlist.body).manifest.segments[0];
    const { offset = 0, length = 1 } = segment?.byterange ?? {};
    const bytes = await kino.app.inject({
      method: 'GET',
      url: new URL(segment?.uri ?? '', `http://x${playlistPath}`).pathname,
      headers: { range: `bytes=${offset}-${offset + length - 1}` },
    });
    return { version: playlistPath.split('/').at(-2) ?? '', segmentStatus: bytes.statusCode };
  };
  const jobWithKey = (idempotencyKey: string) =>
    kino.database.db
      .selectFrom('jobs')
      .selectAll()
      .where('idempotency_key', '=', idempotencyKey)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
  /** A worker that claims the job and stops responding, on every attempt, until the job is dead. */
  const dieOnEveryAttempt = async (idempotencyKey: string): Promise<JobRow> => {
    for (let round = 0; round < 20; round++) {
      const job = await jobWithKey(idempotencyKey);
      if (job.state === 'dead') return job;
      await kino.jobs.queue.claim('worker-that-died', 10, 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await repos.jobs.rescueExpired(Date.now());
    }
    throw new Error(`the job ${idempotencyKey} did not die`);
  };
  const reconcile = (atMs: number) =>
    reconcileHandler(
      unitOfWork(kino.database),
      kino.jobs.queue,
      () => atMs,
    )({
      job: {} as JobRow,
      payload: { stuckForMs: STUCK_FOR_MS },
      signal: new AbortController().signal,
      progress: () => undefined,
    });
  const reprocess = async () => {
    const res = await kino.call(key, 'POST', `/v1/media/${mediaId}/reprocess`);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json<MediaJson>().status).toBe('processing');
  };

  /** The media after the reconcile: ready, on its first version, with the reason in `error`. */
  const expectBackOnItsVersion = async () => {
    const after = await media();
    expect(after).toMatchObject({
      status: 'ready',
      playable: true,
      renditions: first.renditions,
      durationSeconds: first.durationSeconds,
      error: {
        code: 'processing_failed',
        message: expect.stringMatching(/previous version keeps playing/) as unknown,
      },
    });
    expect(after.playback?.hls).toBe(first.playback?.hls);
    expect(await playing()).toEqual({ version, segmentStatus: 206 });
  };

  it('the processing step dies on every attempt: ready again, still playing the old version', async () => {
    expect(STUCK_FOR_MS).toBeGreaterThan(0);
    await reprocess();
    const dead = await dieOnEveryAttempt(processingKey(mediaId));
    expect(dead.last_error).toMatch(/lease expired/);
    // While playing the old version the media says it is processing.
    expect(await playing()).toEqual({ version, segmentStatus: 206 });

    // Not yet stuck for long enough: left alone.
    await reconcile(Date.now());
    expect((await media()).status).toBe('processing');
    await reconcile(Date.now() + STUCK_FOR_MS + 1_000);
    await expectBackOnItsVersion();
  });

  it('the full encode dies on every attempt after the first step: the same', async () => {
    await reprocess();
    // The first step ran and handed over to the encode (what media.process does for a playable media).
    const [step] = await kino.jobs.queue.claim('worker-a', 1, 60_000, { maxPriority: 1 });
    expect(step?.idempotency_key).toBe(processingKey(mediaId));
    await kino.jobs.queue.add({
      type: 'media.encode',
      payload: { tenantId: step?.tenant_id ?? '', mediaId },
      tenantId: step?.tenant_id ?? null,
      idempotencyKey: encodingKey(mediaId),
    });
    if (step) await kino.jobs.queue.complete(step, 'worker-a');
    await dieOnEveryAttempt(encodingKey(mediaId));

    await reconcile(Date.now() + STUCK_FOR_MS + 1_000);
    await expectBackOnItsVersion();
    // Never stuck: the media can be reprocessed again.
    await reprocess();
  });
});
