import fs from 'node:fs/promises';
import path from 'node:path';
import { CEA608_FIXTURE, c608MovFixture, cea608SeiFixture } from '@kino/testkit/caption-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { run } from '../../test/media-tools.ts';
import { waitForMedia } from '../../test/media-upload.ts';
import { parseHls } from '../../test/stream-parsers.ts';
import type { CaptionTrackJson } from '../captions/captions.schemas.ts';
import type { MediaJson } from '../media/media.schemas.ts';

/** A cue of a WebVTT file: times in seconds and its text. */
function cuesOf(vtt: string) {
  const stamp = (t: string) => {
    const parts = t.split(':').map(Number);
    return parts.reduce((sum, n) => sum * 60 + n, 0);
  };
  return [...vtt.matchAll(/([\d:.]+) --> ([\d:.]+)[^\n]*\n([^\n]+)/g)].map((m) => ({
    start: stamp(m[1] ?? ''),
    end: stamp(m[2] ?? ''),
    text: m[3] ?? '',
  }));
}

/** Two frames at the fixture's rate. */
const TWO_FRAMES = 2 / CEA608_FIXTURE.fps;

describe('sources with CEA-608 closed captions (upload → worker → /play)', () => {
  let kino: MediaKino;
  let key: string;
  let base: string;
  const ids = { sei: '', mov: '' };

  async function upload(file: string): Promise<string> {
    const boundary = '----kino-cea608-test';
    const created = await kino.app.inject({
      method: 'POST',
      url: '/v1/media',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload: Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(file)}"\r\n\r\n`,
        ),
        await fs.readFile(file),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]),
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json<MediaJson>().id;
  }

  const tracksOf = async (id: string) =>
    (await kino.call(key, 'GET', `/v1/media/${id}/captions`)).json<{ items: CaptionTrackJson[] }>().items;

  beforeAll(async () => {
    const [sei, mov] = [await cea608SeiFixture(), await c608MovFixture()];
    kino = await startMediaKino('sqlite+disk');
    key = (await kino.tenant()).key;
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    ids.sei = await upload(sei);
    ids.mov = await upload(mov);
    const { final } = await waitForMedia(kino, key, [ids.sei, ids.mov], { timeoutMs: 90_000 });
    expect([final.get(ids.sei)?.status, final.get(ids.mov)?.status]).toEqual(['ready', 'ready']);
  }, 150_000);

  afterAll(async () => {
    await kino.close();
  });

  it('declares CC1 in the master and keeps the captions in every rung', async () => {
    const url = `${base}/play/${ids.sei}/master.m3u8`;
    const text = await (await fetch(url)).text();
    const { manifest, warnings } = parseHls(text);
    expect(warnings).toEqual([]);
    expect(text).toContain(
      '#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,INSTREAM-ID="CC1"',
    );
    const variants = manifest.playlists ?? [];
    // The copied source and a rung libx264 encoded from its decoded frames.
    expect(variants.length).toBeGreaterThanOrEqual(2);
    for (const variant of variants) {
      expect((variant.attributes as Record<string, unknown>)['CLOSED-CAPTIONS']).toBe('cc');
      const { stdout } = await run('ffprobe', [
        ...['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#5'],
        ...['-show_entries', 'frame=key_frame:stream=closed_captions', '-of', 'json'],
        new URL(variant.uri, url).toString(),
      ]);
      const probe = JSON.parse(stdout) as { streams: { closed_captions?: number }[] };
      expect(probe.streams[0]?.closed_captions, variant.uri).toBe(1);
    }
  });

  it('extracts CC1 to a caption track whose cues match the text and times, and indexes it', async () => {
    const [track, ...others] = await tracksOf(ids.sei);
    expect(others).toEqual([]);
    expect(track).toMatchObject({
      source: 'extracted',
      kind: 'captions',
      language: 'en',
      label: 'English (CC1)',
    });
    const vtt = await kino.call(key, 'GET', `/v1/media/${ids.sei}/captions/${track?.id ?? ''}.vtt`);
    const cues = cuesOf(vtt.body);
    expect(cues.map((c) => c.text)).toEqual(CEA608_FIXTURE.captions.map((c) => c.text));
    cues.forEach((cue, i) => {
      const want = CEA608_FIXTURE.captions[i]!;
      expect(Math.abs(cue.start - want.start)).toBeLessThanOrEqual(TWO_FRAMES);
      expect(Math.abs(cue.end - want.end)).toBeLessThanOrEqual(TWO_FRAMES);
    });
    const found = (await kino.call(key, 'GET', '/v1/search?q=kino')).json<{
      results: { media: MediaJson }[];
    }>();
    expect(found.results.map((r) => r.media.id)).toContain(ids.sei);
  });

  it('makes a QuickTime c608 track a caption track', async () => {
    const [track, ...others] = await tracksOf(ids.mov);
    expect(others).toEqual([]);
    expect(track).toMatchObject({ source: 'extracted', kind: 'captions', label: 'English (CC1)' });
    const vtt = await kino.call(key, 'GET', `/v1/media/${ids.mov}/captions/${track?.id ?? ''}.vtt`);
    const cues = cuesOf(vtt.body);
    expect(cues.map((c) => c.text)).toEqual(CEA608_FIXTURE.captions.map((c) => c.text));
    expect(Math.abs((cues[0]?.start ?? 0) - CEA608_FIXTURE.captions[0]!.start)).toBeLessThanOrEqual(0.1);
  });
});
