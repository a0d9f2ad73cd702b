import { generate } from '@kino/testkit/media';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tusUpload, waitForMedia } from '../../test/media-upload.ts';
import { parseHls } from '../../test/stream-parsers.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import type { MediaJson } from '../media/media.schemas.ts';
import { MAX_SESSION_GRACE_SECONDS, MAX_TOKEN_SECONDS } from '../media/playback-limits.ts';
import { OLD_VERSION_GRACE_MS } from './processing-steps.ts';

/**
 * A player that loaded a media keeps playing while it is reprocessed: the old version's URLs stay
 * valid until no session can still use them, a fresh master plays the new version, a failed
 * reprocess leaves the published one playing, and the replaced version's files go in the end.
 * The clock moved is Date's alone (timers stay real), which /play reads.
 */
it('keeps replaced versions for as long as a playback session can last', () => {
  expect(OLD_VERSION_GRACE_MS).toBeGreaterThanOrEqual((MAX_TOKEN_SECONDS + MAX_SESSION_GRACE_SECONDS) * 1000);
});

describe('playback across reprocessing', () => {
  let kino: TestKino;
  let key: string;
  let mediaId: string;

  beforeAll(async () => {
    kino = await startTestKino('sqlite');
    const base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    key = (await kino.tenant()).key;
    kino.start();
    const file = await generate({ width: 320, height: 180, durationSec: 4, fps: 24 });
    mediaId = (await tusUpload(base, key, file)).mediaId;
    await settle();
  }, 60_000);
  afterAll(() => kino.close());
  afterEach(() => vi.useRealTimers());

  const settle = async (): Promise<MediaJson> => {
    const { final } = await waitForMedia(kino, key, [mediaId], { timeoutMs: 40_000 });
    const media = final.get(mediaId);
    if (!media) throw new Error('the media was not seen');
    return media;
  };
  const get = (url: string, headers: Record<string, string> = {}) =>
    kino.app.inject({ method: 'GET', url, headers });
  /** What a player loads on start: the master, its first video playlist and first segment. */
  const start = async () => {
    const masterPath = `/play/${mediaId}/master.m3u8`;
    const master = await get(masterPath);
    expect(master.statusCode).toBe(200);
    const uri = parseHls(master.body).manifest.playlists?.[0]?.uri ?? '';
    const playlistPath = new URL(uri, `http://x${masterPath}`).pathname;
    const segment = parseHls((await get(playlistPath)).body).manifest.segments[0];
    const { offset = 0, length = 1 } = segment?.byterange ?? {};
    return {
      version: uri.split('/')[0] ?? '',
      playlistPath,
      segmentPath: new URL(segment?.uri ?? '', `http://x${playlistPath}`).pathname,
      range: `bytes=${offset}-${offset + length - 1}`,
    };
  };
  const reprocess = async () => {
    const res = await kino.call(key, 'POST', `/v1/media/${mediaId}/reprocess`);
    expect(res.statusCode, res.body).toBe(202);
    return settle();
  };
  const sourceKey = async () =>
    (
      await kino.database.db
        .selectFrom('media')
        .select('source_key')
        .where('id', '=', mediaId)
        .executeTakeFirstOrThrow()
    ).source_key ?? '';
  const listed = async (prefix: string) => {
    const keys: string[] = [];
    for await (const object of kino.storage.list(prefix)) keys.push(object.key);
    return keys;
  };

  it('plays, is reprocessed, resumes 5 minutes later; a failed reprocess keeps it playing; old files go after the retention', async () => {
    const old = await start();
    expect((await get(old.segmentPath, { range: old.range })).statusCode).toBe(206);

    const publishedAt = Date.now();
    expect((await reprocess()).status).toBe('ready');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5 * 60_000);
    // The paused player resumes on the URLs the old master gave it.
    expect((await get(old.playlistPath)).statusCode).toBe(200);
    expect((await get(old.segmentPath, { range: old.range })).statusCode).toBe(206);
    // A new player gets the new version.
    const fresh = await start();
    expect(fresh.version).not.toBe(old.version);
    expect((await get(fresh.segmentPath, { range: fresh.range })).statusCode).toBe(206);
    vi.useRealTimers();

    // The old version's removal was scheduled with the publish, for after the retention.
    const removals = await kino.database.db
      .selectFrom('jobs')
      .select(['payload', 'run_at', 'state'])
      .where('type', '=', 'media.remove-files')
      .execute();
    const removal = removals.find((j) => j.payload.includes(`/${old.version}/`));
    expect(removal?.state).toBe('available');
    expect(removal?.run_at).toBeGreaterThanOrEqual(publishedAt + OLD_VERSION_GRACE_MS);
    const oldPrefix = (JSON.parse(removal?.payload ?? '{}') as { prefix: string }).prefix;
    expect(await listed(oldPrefix)).not.toHaveLength(0);

    // A reprocess that fails (the original is no longer a video) leaves the new version playing.
    await kino.storage.put(await sourceKey(), Buffer.from('not a video at all'));
    const failed = await reprocess();
    expect(failed.status).toBe('ready');
    expect(failed.playable).toBe(true);
    expect(failed.error?.code).toBe('unsupported_media');
    expect((await start()).version).toBe(fresh.version);
    expect((await get(fresh.segmentPath, { range: fresh.range })).statusCode).toBe(206);
    expect((await get(old.segmentPath, { range: old.range })).statusCode).toBe(206);

    // After the retention the worker removes the old version's files; the new one stays. The
    // queue's clock is its own (taken at start), so the retention is made to pass by moving the
    // job's due time to now.
    await kino.database.db
      .updateTable('jobs')
      .set({ run_at: Date.now() })
      .where('type', '=', 'media.remove-files')
      .where('payload', '=', removal?.payload ?? '')
      .execute();
    kino.jobs.worker?.wake();
    await vi.waitFor(
      async () => {
        expect(await listed(oldPrefix)).toHaveLength(0);
      },
      {
        timeout: 10_000,
        interval: 100,
      },
    );
    const freshPrefix = oldPrefix.replace(`/${old.version}/`, `/${fresh.version}/`);
    expect(await listed(freshPrefix)).not.toHaveLength(0);
  }, 90_000);
});
