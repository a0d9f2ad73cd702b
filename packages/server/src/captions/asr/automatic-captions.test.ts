import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/databases.ts';
import { tusUpload } from '../../../test/media-upload.ts';
import { startTestKino, type TestKino } from '../../../test/test-kino.ts';
import type { MediaJson } from '../../media/media.schemas.ts';
import type { CaptionTrackJson } from '../captions.schemas.ts';
import { SphinxEngine } from './sphinx-engine.ts';
import { run } from './synthetic-speech.ts';
import { wordErrorRate } from './word-error-rate.ts';

const SAID = 'Students should read the first chapter before the lecture on Monday.';
const sphinxMissing = new SphinxEngine().unavailableReason();

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(sphinxMissing !== null).each(DIALECTS)('automatic captions on %s', (dialect) => {
  let kino: TestKino;
  let base: string;
  let tenant: { id: string; key: string };
  let dir: string;
  let clip: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'asr-media-'));
    clip = path.join(dir, 'lecture.mp4');
    await run('ffmpeg', [
      '-nostdin',
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=15:duration=8',
      '-f',
      'lavfi',
      '-i',
      `flite=voice=slt:text='${SAID}'`,
      '-filter_complex',
      '[1:a]adelay=1000:all=1,aresample=44100,apad=whole_dur=8[a]',
      '-map',
      '0:v',
      '-map',
      '[a]',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-shortest',
      '-y',
      clip,
    ]);
    kino = await startTestKino(dialect);
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    tenant = await kino.tenant();
    kino.start();
  }, 120_000);

  afterAll(async () => {
    await kino.close({ graceMs: 0 });
    await rm(dir, { recursive: true, force: true });
  });

  const put = (url: string, body: unknown) =>
    kino.app.inject({
      method: 'PUT',
      url,
      headers: { authorization: `Bearer ${tenant.key}` },
      payload: body as object,
    });
  const asrTrack = async (mediaId: string) =>
    (await kino.call(tenant.key, 'GET', `/v1/media/${mediaId}/captions`))
      .json<{ items: CaptionTrackJson[] }>()
      .items.find((t) => t.source === 'asr');
  const searchHits = async (q: string) =>
    (await kino.call(tenant.key, 'GET', `/v1/search?q=${q}`)).json<{ results: unknown[] }>().results.length;

  it('captions a playable media as a draft hidden from viewers and search, until an editor publishes it', async () => {
    const early = (await kino.call(tenant.key, 'POST', '/v1/media', { title: 'empty' })).json<MediaJson>();
    const notPlayable = await kino.call(tenant.key, 'POST', `/v1/media/${early.id}/captions/generate`, {});
    expect(notPlayable.statusCode).toBe(409);
    expect(notPlayable.json()).toMatchObject({ code: 'media_not_playable' });

    const { mediaId } = await tusUpload(base, tenant.key, clip, { filename: 'lecture.mp4' });
    await until(
      'playable',
      async () =>
        (await kino.call(tenant.key, 'GET', `/v1/media/${mediaId}`)).json<MediaJson>().playable
          ? true
          : undefined,
      120_000,
    );

    const german = await kino.call(tenant.key, 'POST', `/v1/media/${mediaId}/captions/generate`, {
      language: 'de',
    });
    expect(german.statusCode).toBe(422);
    expect(german.json()).toMatchObject({ code: 'language_not_supported' });
    const other = await kino.tenant('other');
    expect(
      (await kino.call(other.key, 'POST', `/v1/media/${mediaId}/captions/generate`, {})).statusCode,
    ).toBe(404);

    const started = await kino.call(tenant.key, 'POST', `/v1/media/${mediaId}/captions/generate`, {});
    expect(started.statusCode, started.body).toBe(202);
    expect(started.json()).toMatchObject({
      mediaId,
      language: 'en',
      engine: 'sphinx',
      model: 'pocketsphinx-en-us',
    });

    const jobId = started.json<{ jobId: string }>().jobId;
    const draft = await until(
      'the asr track',
      async () => {
        const job = (await kino.call(tenant.key, 'GET', `/v1/jobs/${jobId}`)).json<{
          status: string;
          lastError: string | null;
        }>();
        if (job.lastError) throw new Error(`captions.generate failed: ${job.lastError}`);
        return asrTrack(mediaId);
      },
      300_000,
    );
    expect(draft).toMatchObject({
      source: 'asr',
      status: 'draft',
      engine: 'sphinx',
      model: 'pocketsphinx-en-us',
      language: 'en',
    });
    const vtt = (await kino.call(tenant.key, 'GET', `/v1/media/${mediaId}/captions/${draft.id}.vtt`)).body;
    const cueText = vtt
      .split('\n\n')
      .slice(1)
      .map((block) => block.split('\n').slice(1).join(' '))
      .join(' ');
    expect(wordErrorRate(SAID, cueText)).toBeLessThanOrEqual(0.3);
    for (const line of vtt.split('\n').filter((l) => l && !l.includes('-->') && l !== 'WEBVTT'))
      expect(line.length).toBeLessThanOrEqual(32);

    expect(await searchHits('chapter')).toBe(0);
    const master = await kino.call(tenant.key, 'GET', `/v1/media/${mediaId}`);
    const hls = master.json<MediaJson>().playback?.hls;
    if (hls)
      expect((await kino.app.inject({ method: 'GET', url: new URL(hls).pathname })).body).not.toContain(
        'SUBTITLES',
      );

    const published = await put(`/v1/media/${mediaId}/captions/${draft.id}`, { status: 'published' });
    expect(published.statusCode, published.body).toBe(200);
    expect(published.json()).toMatchObject({ status: 'published', source: 'asr' });
    expect(await searchHits('chapter')).toBe(1);
  }, 500_000);

  it('keeps tenant settings: automatic captions and the default language', async () => {
    const before = await kino.call(tenant.key, 'GET', '/v1/tenant/settings');
    expect(before.json()).toMatchObject({ autoCaptions: 'off', captionLanguage: 'en', updatedAt: null });
    const changed = await put('/v1/tenant/settings', { autoCaptions: 'publish', captionLanguage: 'en-GB' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ autoCaptions: 'publish', captionLanguage: 'en-GB' });
    expect((await put('/v1/tenant/settings', { autoCaptions: 'always' })).statusCode).toBe(400);
  });
});
