import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { generate } from '@kino/testkit/media';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_BACKENDS, startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { tusUpload, waitForMedia } from '../../test/media-upload.ts';
import type { MediaJson } from './media.schemas.ts';

const DAY_MS = 24 * 3600_000;
/** How far the clock that ages originals is ahead of real time. */
const clock = { aheadMs: 0 };

/**
 * Cold storage end to end: with KINO_COLD_AFTER_DAYS=30 an original stays hot until the clock
 * that ages originals (KinoOptions.clock) is moved 31 days on, then the sweep moves it cold (a second folder on
 * disk; the STANDARD_IA class on S3, which s3rver records and reports); a reprocess answers 202
 * with the original `restoring`, its restore job brings it back and the reprocess follows, to a
 * new complete version. s3rver has no archive, so the archival classes' RestoreObject path is
 * proven in storage/s3-cold-tier.test.ts.
 */
describe.each(MEDIA_BACKENDS)('cold originals on %s', (backend) => {
  let kino: MediaKino;
  let key: string;
  let mediaId: string;

  beforeAll(async () => {
    kino = await startMediaKino(backend, {
      env: { KINO_COLD_AFTER_DAYS: '30', KINO_COLD_STORAGE_CLASS: 'STANDARD_IA' },
      clock: () => Date.now() + clock.aheadMs,
    });
    const base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    key = (await kino.tenant()).key;
    const file = await generate({ width: 320, height: 180, durationSec: 2, fps: 24 });
    mediaId = (await tusUpload(base, key, file)).mediaId;
    const { final } = await waitForMedia(kino, key, [mediaId], { timeoutMs: 120_000 });
    expect(final.get(mediaId)?.status).toBe('ready');
  }, 180_000);
  afterAll(async () => {
    clock.aheadMs = 0;
    await kino.close();
  });

  const media = async () => (await kino.call(key, 'GET', `/v1/media/${mediaId}`)).json<MediaJson>();
  const sourceKey = async () =>
    (
      await kino.database.db
        .selectFrom('media')
        .select('source_key')
        .where('id', '=', mediaId)
        .executeTakeFirstOrThrow()
    ).source_key ?? '';
  /** Enqueues a sweep as the hourly schedule does and waits for it to finish. */
  const sweep = async () => {
    const { job } = await kino.jobs.queue.enqueue(kino.repos, {
      type: 'media.cold-sweep',
      payload: { afterDays: 30, batch: 2 },
    });
    await until(async () => {
      const row = await kino.repos.jobs.get(job.id);
      if (row?.state === 'dead') throw new Error(`the sweep failed: ${row.last_error ?? ''}`);
      return row?.state === 'succeeded';
    });
  };
  /** The storage class S3 reports, or where the file is on disk. */
  const place = async () => {
    const source = await sourceKey();
    if (kino.config.storage.kind === 'file') {
      const hot = existsSync(path.join(kino.config.storage.dir, source));
      const cold = existsSync(path.join(kino.config.cold.dir, source));
      return hot && !cold ? 'hot folder' : cold && !hot ? 'cold folder' : `hot ${hot}, cold ${cold}`;
    }
    const { bucket, endpoint, region } = kino.config.storage;
    const client = new S3Client({ endpoint, region, forcePathStyle: true });
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: source }));
      return head.StorageClass ?? 'STANDARD';
    } finally {
      client.destroy();
    }
  };
  const hotPlace = backend === 'sqlite+disk' ? 'hot folder' : 'STANDARD';
  const coldPlace = backend === 'sqlite+disk' ? 'cold folder' : 'STANDARD_IA';

  it('moves the original cold after 30 days and restores it on reprocess', { timeout: 240_000 }, async () => {
    const before = await media();
    expect(before.original?.tier).toBe('hot');
    await sweep();
    expect((await media()).original?.tier).toBe('hot');
    expect(await place()).toBe(hotPlace);

    clock.aheadMs = 31 * DAY_MS;
    await sweep();
    const cold = await media();
    expect(cold.original?.tier).toBe('cold');
    expect(cold.status).toBe('ready');
    expect(await place()).toBe(coldPlace);
    // Playback never needed the original.
    expect((await kino.call(null, 'GET', `/play/${mediaId}/master.m3u8`)).statusCode).toBe(200);
    // A second sweep finds nothing to move.
    await sweep();
    expect(await place()).toBe(coldPlace);

    const reprocess = await kino.call(key, 'POST', `/v1/media/${mediaId}/reprocess`);
    expect(reprocess.statusCode, reprocess.body).toBe(202);
    expect(reprocess.json<MediaJson>().original?.tier).toBe('restoring');
    // Asked again while restoring: the same restore, no error.
    const again = await kino.call(key, 'POST', `/v1/media/${mediaId}/reprocess`);
    expect([202, 409]).toContain(again.statusCode);

    await until(async () => {
      const now = await media();
      return now.original?.tier === 'hot' && now.status === 'ready' && now.updatedAt !== cold.updatedAt;
    });
    expect(await place()).toBe(hotPlace);
    const versions = await kino.database.db
      .selectFrom('jobs')
      .select(['type', 'state'])
      .where('idempotency_key', 'like', `media:${mediaId}:%`)
      .where('type', 'in', ['media.restore-original', 'media.process'])
      .execute();
    expect(versions.filter((j) => j.type === 'media.restore-original')).toEqual([
      { type: 'media.restore-original', state: 'succeeded' },
    ]);
    expect(versions.filter((j) => j.type === 'media.process' && j.state === 'succeeded')).toHaveLength(2);
  });
});

/** Polls `check` until it holds, with a generous deadline (real time). */
async function until(check: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
