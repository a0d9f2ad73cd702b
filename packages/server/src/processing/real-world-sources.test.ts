import {
  COLOUR_GRID,
  FLASH_BEEP,
  SOURCE_FIXTURE_NAMES,
  gridCellCentre,
  sourceFixture,
  type SourceFixtureName,
} from '@kino/testkit/source-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  flashOnsets,
  integratedLoudness,
  interlaceVerdicts,
  keyframeTimesOf,
  pixelsAt,
  soundOnsets,
  streamSpan,
} from '../../test/av-measure.ts';
import { run } from '../../test/media-tools.ts';
import { tusUpload, waitForMedia, type MediaObservation } from '../../test/media-upload.ts';
import { parseDash, parseHls } from '../../test/stream-parsers.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import type { MediaJson } from '../media/media.schemas.ts';
import { SEGMENT_SECONDS } from './plan.ts';

/** Sources that ask for loudness normalisation when they are created. */
const NORMALISED: ReadonlySet<SourceFixtureName> = new Set(['quiet-35-lufs']);

describe('real-world sources end to end (upload → worker → /play)', () => {
  let kino: TestKino;
  let base: string;
  let key: string;
  const mediaOf = new Map<SourceFixtureName, MediaJson>();
  const historyOf = new Map<SourceFixtureName, MediaObservation[]>();
  const sourceOf = new Map<SourceFixtureName, string>();

  /** The HLS master of a media, its variants' URLs best first, and its audio renditions. */
  async function master(name: SourceFixtureName) {
    const url = `${base}/play/${mediaOf.get(name)!.id}/master.m3u8`;
    const text = await (await fetch(url)).text();
    const { manifest, warnings } = parseHls(text);
    expect(warnings).toEqual([]);
    const variants = (manifest.playlists ?? []).map((v) => ({
      url: new URL(v.uri, url).toString(),
      attributes: v.attributes,
    }));
    const audio = Object.values(manifest.mediaGroups?.AUDIO ?? {}).flatMap((group) =>
      Object.entries(group).map(([name, a]) => ({
        name,
        ...a,
        url: a.uri ? new URL(a.uri, url).toString() : '',
      })),
    );
    return { url, text, variants, audio };
  }

  async function ffprobeStream(url: string, entries: string): Promise<Record<string, string>> {
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', entries, '-of', 'default=nw=1', url],
    ]);
    return Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=') as [string, string]),
    );
  }

  beforeAll(async () => {
    for (const name of SOURCE_FIXTURE_NAMES) sourceOf.set(name, await sourceFixture(name));
    kino = await startTestKino('sqlite');
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    key = (await kino.tenant()).key;
    kino.start();
    const ids = new Map<string, SourceFixtureName>();
    for (const name of SOURCE_FIXTURE_NAMES) {
      const file = sourceOf.get(name)!;
      const created = await kino.call(key, 'POST', '/v1/media', {
        title: name,
        ...(NORMALISED.has(name) && { normalizeLoudness: true }),
      });
      expect(created.statusCode).toBe(201);
      const { mediaId } = await tusUpload(base, key, file, {
        filename: file.split('/').pop()!,
        mediaId: created.json<MediaJson>().id,
      });
      ids.set(mediaId, name);
    }
    const { final, history } = await waitForMedia(kino, key, [...ids.keys()], {
      timeoutMs: 280_000,
      // Within the API's rate limit for one key (1200 requests a minute).
      pollMs: 500,
    });
    for (const [id, name] of ids) {
      mediaOf.set(name, final.get(id)!);
      historyOf.set(name, history.get(id) ?? []);
    }
  }, 360_000);

  afterAll(async () => {
    await kino.close();
  });

  it('ends every source ready', () => {
    const states = Object.fromEntries(SOURCE_FIXTURE_NAMES.map((n) => [n, mediaOf.get(n)?.status]));
    expect(states).toEqual(Object.fromEntries(SOURCE_FIXTURE_NAMES.map((n) => [n, 'ready'])));
  });

  it('plays an HLG HEVC phone clip turned by its display matrix upright, in SDR colours', async () => {
    const media = mediaOf.get('hlg-hevc-rotated')!;
    expect(media.renditions.filter((r) => r.kind === 'video').map((r) => `${r.width}x${r.height}`)).toEqual([
      '360x640',
      '240x426',
    ]);
    const { variants } = await master('hlg-hevc-rotated');
    const top = variants[0]!.url;
    // Tagged SDR BT.709, and no rotation left for a player to apply a second time.
    expect(
      await ffprobeStream(
        top,
        'stream=color_transfer,color_primaries,color_space,color_range:stream_side_data=rotation',
      ),
    ).toEqual({
      color_transfer: 'bt709',
      color_primaries: 'bt709',
      color_space: 'bt709',
      color_range: 'tv',
    });
    // Each cell of the grid holds its colour, within a few code values of the SDR original.
    const points = COLOUR_GRID.colours.map((_, i) => gridCellCentre(i));
    const frame = await pixelsAt(top, points);
    expect([frame.width, frame.height]).toEqual([COLOUR_GRID.width, COLOUR_GRID.height]);
    frame.rgb.forEach((rgb, i) => {
      const expected = COLOUR_GRID.colours[i]!;
      const off = Math.max(...rgb.map((v, c) => Math.abs(v - expected[c]!)));
      expect(off, `cell ${i}: ${rgb.join(',')} instead of ${expected.join(',')}`).toBeLessThanOrEqual(8);
    });
  });

  it('deinterlaces 1080i: the output has no combing left for idet to find', async () => {
    // The measure sees the source's combing.
    const source = await interlaceVerdicts(sourceOf.get('interlaced-1080i')!);
    expect(source.tff, JSON.stringify(source)).toBeGreaterThan(source.progressive * 4);
    const { variants } = await master('interlaced-1080i');
    expect(variants[0]!.attributes.RESOLUTION).toEqual({ width: 1920, height: 1080 });
    // idet's verdicts on every frame (it may hesitate over the first few, where the deinterlacer
    // has no field before to look at).
    const output = await interlaceVerdicts(variants[0]!.url);
    const frames = output.tff + output.bff + output.progressive + output.undetermined;
    expect(frames).toBeGreaterThanOrEqual(48);
    expect(output.progressive / frames, JSON.stringify(output)).toBeGreaterThanOrEqual(0.9);
  });

  it('shows 1440x1080 at 4:3 pixels as 16:9 square pixels', async () => {
    const { variants } = await master('anamorphic-1440x1080');
    expect(variants.map((v) => v.attributes.RESOLUTION)).toEqual([
      { width: 1920, height: 1080 },
      { width: 1280, height: 720 },
      { width: 854, height: 480 },
      { width: 640, height: 360 },
      { width: 426, height: 240 },
    ]);
    for (const v of variants.slice(0, 2)) {
      expect(await ffprobeStream(v.url, 'stream=sample_aspect_ratio')).toEqual({
        sample_aspect_ratio: '1:1',
      });
    }
  });

  it('makes an odd 1279x719 source even-sized', async () => {
    const { variants } = await master('odd-1279x719');
    expect(variants.map((v) => v.attributes.RESOLUTION)).toEqual([
      { width: 1280, height: 720 },
      { width: 854, height: 480 },
      { width: 640, height: 360 },
      { width: 426, height: 240 },
    ]);
  });

  it('keeps flash and beep together at start and end of every rung of a VFR source with late, broken sound', async () => {
    const { variants, audio } = await master('vfr-flash-beep');
    expect(variants.length).toBeGreaterThanOrEqual(2);
    const beeps = await soundOnsets(audio[0]!.url);
    const sound = await streamSpan(audio[0]!.url, 'a');
    expect(beeps, `beeps at ${beeps.join(', ')}`).toHaveLength(FLASH_BEEP.flashes.length);
    for (const v of variants) {
      // A constant rate chosen from the source's average (22.5 fps): 24.
      expect(v.attributes['FRAME-RATE']).toBe(24);
      const { first, onsets: flashes } = await flashOnsets(v.url);
      expect(flashes, `${v.url}: flashes at ${flashes.join(', ')}`).toHaveLength(FLASH_BEEP.flashes.length);
      console.log(
        `${v.attributes.RESOLUTION?.height}p: beep - flash = ${flashes.map((f, i) => ((beeps[i]! - f) * 1000).toFixed(1)).join(', ')} ms`,
      );
      flashes.forEach((flash, i) => {
        const offset = beeps[i]! - flash;
        expect(
          Math.abs(offset),
          `${v.url}: beep ${i} is ${(offset * 1000).toFixed(1)} ms after its flash`,
        ).toBeLessThan(0.02);
      });
      // The first flash comes 1 s into the picture: the sound was padded, not pulled forward.
      expect(flashes[0]! - first).toBeCloseTo(FLASH_BEEP.flashes[0]!, 2);
      const picture = await streamSpan(v.url, 'v');
      // Sound and picture start and end together, within a frame.
      expect(Math.abs(sound.start - picture.start)).toBeLessThan(1 / 24);
      expect(
        Math.abs(sound.end - picture.end),
        `sound ends ${sound.end}, picture ${picture.end}`,
      ).toBeLessThan(1 / 24);
    }
  });

  it('cuts a 30 s GOP into segments no longer than the target, keyframes at the same times in every rung', async () => {
    const { variants } = await master('long-gop-30s');
    expect(variants.length).toBeGreaterThanOrEqual(2);
    const keyframes: number[][] = [];
    for (const v of variants) {
      const playlist = parseHls(await (await fetch(v.url)).text()).manifest;
      expect(playlist.targetDuration).toBeLessThanOrEqual(SEGMENT_SECONDS);
      for (const s of playlist.segments)
        expect(s.duration).toBeLessThanOrEqual(playlist.targetDuration! + 0.001);
      keyframes.push(await keyframeTimesOf(v.url));
    }
    expect(keyframes[0]!.length).toBeGreaterThanOrEqual(16);
    for (const times of keyframes.slice(1)) expect(times).toEqual(keyframes[0]);
    // It played before its ladder was done: a fast first rung stood in.
    const history = historyOf.get('long-gop-30s')!;
    expect(
      history.some((h) => h.playable && h.status === 'processing'),
      JSON.stringify(history),
    ).toBe(true);
  });

  it('plays the French tone by default, not the silent English track, and lists both with languages', async () => {
    const { audio, variants } = await master('silent-english-tone-french');
    expect(audio.map((a) => ({ language: a.language, default: a.default }))).toEqual([
      { language: 'fr', default: true },
      { language: 'en', default: false },
    ]);
    expect(audio.map((a) => a.name)).toEqual(['Français', 'English']);
    expect(await integratedLoudness(audio[0]!.url)).toBeGreaterThan(-30);
    expect(await integratedLoudness(audio[1]!.url)).toBeLessThan(-60);
    for (const v of variants) expect(v.attributes.AUDIO).toBe('audio');
    // DASH: one adaptation set per track, the default one first with the main role.
    const mpdUrl = `${base}/play/${mediaOf.get('silent-english-tone-french')!.id}/manifest.mpd`;
    const mpdText = await (await fetch(mpdUrl)).text();
    expect(parseDash(mpdText, mpdUrl).warnings).toEqual([]);
    const sets = [...mpdText.matchAll(/<AdaptationSet [^>]*contentType="audio"[^>]*lang="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(sets).toEqual(['fr', 'en']);
    expect(mpdText).toMatch(/lang="fr"[^>]*>\n<Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"\/>/);
  });

  it('measures loudness and brings a -35 LUFS source to -16 LUFS when asked', async () => {
    const media = mediaOf.get('quiet-35-lufs')!;
    expect(media.normalizeLoudness).toBe(true);
    expect(media.loudnessLufs).toBeGreaterThan(-36);
    expect(media.loudnessLufs).toBeLessThan(-34);
    const { variants } = await master('quiet-35-lufs');
    expect(await integratedLoudness(variants[0]!.url)).toBeCloseTo(-16, 0);
    // Every other media has its loudness measured too.
    expect(mediaOf.get('long-gop-30s')!.loudnessLufs).toEqual(expect.any(Number));
    expect(mediaOf.get('long-gop-30s')!.normalizeLoudness).toBe(false);
  });

  it('gives sound alone a poster: a picture of its waveform', async () => {
    const media = mediaOf.get('quiet-35-lufs')!;
    const poster = await fetch(`${base}${new URL(media.playback!.poster!).pathname}`);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
  });

  it(
    'declares codecs from the bitstream, peak and average bandwidth, frame rate, and no dates',
    { timeout: 180_000 },
    async () => {
      for (const name of SOURCE_FIXTURE_NAMES) {
        const { text, variants, audio } = await master(name);
        expect(text).not.toContain('PROGRAM-DATE-TIME');
        for (const v of variants) {
          const codecs = String(v.attributes.CODECS).split(',');
          if (v.attributes.RESOLUTION) {
            const facts = await ffprobeStream(v.url, 'stream=profile,level');
            const level = Number(facts.level).toString(16).padStart(2, '0');
            expect(codecs[0], `${name} ${v.url}`).toBe(
              `avc1.${facts.profile === 'High' ? '6400' : '??'}${level}`,
            );
            expect(v.attributes['FRAME-RATE']).toBeGreaterThan(0);
          }
          expect(codecs).toContain('mp4a.40.2');
          expect(Number(v.attributes['AVERAGE-BANDWIDTH'] ?? 0)).toBeLessThanOrEqual(v.attributes.BANDWIDTH!);
          // One track per CMAF file.
          const playlist = await (await fetch(v.url)).text();
          expect(playlist).not.toContain('PROGRAM-DATE-TIME');
          const file = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1];
          const { stdout } = await run('ffprobe', [
            ...['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'json'],
            new URL(file!, v.url).toString(),
          ]);
          expect((JSON.parse(stdout) as { streams: unknown[] }).streams).toHaveLength(1);
        }
        for (const a of audio) {
          const file = /#EXT-X-MAP:URI="([^"]+)"/.exec(await (await fetch(a.url)).text())?.[1];
          const { stdout } = await run('ffprobe', [
            ...['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'json'],
            new URL(file!, a.url).toString(),
          ]);
          expect((JSON.parse(stdout) as { streams: unknown[] }).streams).toHaveLength(1);
        }
      }
    },
  );
});
