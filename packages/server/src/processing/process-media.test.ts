import { SAMPLE_CATALOGUE, SAMPLE_NAMES, sample, type SampleName } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusUpload, waitForMedia, type MediaObservation } from '../../test/media-upload.ts';
import { decodesCleanly, lumaStats, streamStarts, videoDuration } from '../../test/media-tools.ts';
import { parseDash, parseHls } from '../../test/stream-parsers.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import type { MediaJson } from '../media/media.schemas.ts';

/**
 * What each catalogue sample must become: the sizes of its video renditions, best first (none
 * for audio), whether its video is repackaged as is, or the error it ends with.
 */
type Outcome =
  | { ready: true; rungs: string[]; passthrough: boolean }
  | { ready: false; code: 'unsupported_media' | 'corrupt_media' };

const LANDSCAPE_360 = ['640x360', '426x240'];
const EXPECTED: Record<SampleName, Outcome> = {
  'h264-aac-720p': { ready: true, rungs: ['1280x720', '854x480', '640x360', '426x240'], passthrough: true },
  'h264-aac-1080p': {
    ready: true,
    rungs: ['1920x1080', '1280x720', '854x480', '640x360', '426x240'],
    passthrough: true,
  },
  'portrait-1080x1920': {
    ready: true,
    rungs: ['1080x1920', '720x1280', '480x854', '360x640', '240x426'],
    passthrough: true,
  },
  'rotated-90': { ready: true, rungs: ['360x640', '240x426'], passthrough: false },
  'odd-size-641x361': { ready: true, rungs: LANDSCAPE_360, passthrough: false },
  vfr: { ready: true, rungs: LANDSCAPE_360, passthrough: false },
  'no-audio': { ready: true, rungs: LANDSCAPE_360, passthrough: true },
  'audio-only-m4a': { ready: true, rungs: [], passthrough: true },
  'audio-only-mp3-cover-art': { ready: true, rungs: [], passthrough: true },
  'h264-10bit': { ready: true, rungs: LANDSCAPE_360, passthrough: false },
  'hevc-main10': { ready: true, rungs: LANDSCAPE_360, passthrough: false },
  'hevc-8bit': { ready: true, rungs: LANDSCAPE_360, passthrough: false },
  interlaced: { ready: true, rungs: LANDSCAPE_360, passthrough: false },
  'two-audio-tracks': { ready: true, rungs: LANDSCAPE_360, passthrough: true },
  'audio-late': { ready: true, rungs: LANDSCAPE_360, passthrough: true },
  'long-gop-10s': { ready: true, rungs: ['320x180'], passthrough: false },
  'vp9-webm': { ready: true, rungs: LANDSCAPE_360, passthrough: false },
  truncated: { ready: false, code: 'corrupt_media' },
  'not-a-video': { ready: false, code: 'unsupported_media' },
  empty: { ready: false, code: 'unsupported_media' },
};

const READY = SAMPLE_NAMES.filter((n) => EXPECTED[n].ready);
const ERRORED = SAMPLE_NAMES.filter((n) => !EXPECTED[n].ready);

function readyOutcome(name: SampleName) {
  const outcome = EXPECTED[name];
  if (!outcome.ready) throw new Error(`${name} is expected to end errored`);
  return outcome;
}

function errorCode(name: SampleName) {
  const outcome = EXPECTED[name];
  if (outcome.ready) throw new Error(`${name} is expected to end ready`);
  return outcome.code;
}

describe('media processing end to end (tus upload → worker → /play)', () => {
  let kino: TestKino;
  let base: string;
  let key: string;
  const mediaOf = new Map<SampleName, MediaJson>();
  const historyOf = new Map<SampleName, MediaObservation[]>();
  const sourceOf = new Map<SampleName, string>();

  beforeAll(async () => {
    for (const name of SAMPLE_NAMES) sourceOf.set(name, await sample(name));
    kino = await startTestKino('sqlite');
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    key = (await kino.tenant()).key;
    kino.start();
    const ids = new Map<string, SampleName>();
    await Promise.all(
      SAMPLE_NAMES.map(async (name) => {
        const file = sourceOf.get(name)!;
        const { mediaId } = await tusUpload(base, key, file, {
          filename: file.split('/').pop()!,
          title: name,
        });
        ids.set(mediaId, name);
      }),
    );
    // Twenty sources, 1080p among them, on two cores that may be busy with other work: an idle
    // machine finishes in about a minute, a loaded one took over three.
    const { final, history } = await waitForMedia(kino, key, [...ids.keys()], {
      timeoutMs: 600_000,
      pollMs: 50,
    });
    for (const [id, name] of ids) {
      mediaOf.set(name, final.get(id)!);
      historyOf.set(name, history.get(id) ?? []);
    }
  }, 660_000);

  afterAll(async () => {
    await kino.close();
  });

  it('ends every media ready or errored, none left processing', () => {
    const states = Object.fromEntries(SAMPLE_NAMES.map((n) => [n, mediaOf.get(n)?.status]));
    expect(states).toEqual(
      Object.fromEntries(SAMPLE_NAMES.map((n) => [n, EXPECTED[n].ready ? 'ready' : 'errored'])),
    );
  });

  it.each(ERRORED)('%s: errored with the code a person can act on', (name) => {
    const media = mediaOf.get(name)!;
    expect(media.status).toBe('errored');
    expect(media.error).toEqual({ code: errorCode(name), message: expect.any(String) });
    expect(media.error?.message.length).toBeGreaterThan(10);
    expect(media.playable).toBe(false);
    expect(media.playback).toBeNull();
  });

  it.each(READY)('%s: ready, and every playback URL plays', { timeout: 90_000 }, async (name) => {
    const media = mediaOf.get(name)!;
    const facts = SAMPLE_CATALOGUE[name].facts;
    const expected = readyOutcome(name);
    expect(media).toMatchObject({ status: 'ready', playable: true, error: null });
    expect(Math.abs(media.durationSeconds! - facts.durationSec!)).toBeLessThan(0.1);
    // The API answered in process; the same paths are played over the socket.
    const onSocket = (url: string | null | undefined) => (url ? `${base}${new URL(url).pathname}` : null);
    const given = media.playback!;
    const playback = {
      hls: onSocket(given.hls)!,
      dash: onSocket(given.dash)!,
      mp4: onSocket(given.mp4),
      poster: onSocket(given.poster),
      storyboard: onSocket(given.storyboard),
    };
    expect(playback.hls).toBe(`${base}/play/${media.id}/master.m3u8`);

    // The master lists every rung, best first, sharing one audio rendition when there is sound.
    const masterRes = await fetch(playback.hls);
    expect(masterRes.status).toBe(200);
    expect(masterRes.headers.get('content-type')).toMatch(/mpegurl/);
    const master = parseHls(await masterRes.text());
    expect(master.warnings).toEqual([]);
    const variants = master.manifest.playlists ?? [];
    if (expected.rungs.length) {
      expect(
        variants.map((v) => `${v.attributes.RESOLUTION?.width}x${v.attributes.RESOLUTION?.height}`),
      ).toEqual(expected.rungs);
      expect(media.renditions.filter((r) => r.kind === 'video').map((r) => `${r.width}x${r.height}`)).toEqual(
        expected.rungs,
      );
      expect(Object.keys(master.manifest.mediaGroups?.AUDIO ?? {}).length).toBe(facts.hasAudio ? 1 : 0);
    } else {
      expect(variants).toHaveLength(1);
      expect(variants[0]?.attributes.CODECS).toBe('mp4a.40.2');
    }

    // ffmpeg plays the whole HLS and DASH presentations, every stream, without an error.
    await decodesCleanly(playback.hls);
    await decodesCleanly(playback.dash);

    // DASH lists the same renditions.
    const mpd = parseDash(await (await fetch(playback.dash)).text(), playback.dash);
    expect(mpd.warnings).toEqual([]);
    expect(
      mpd.manifest.playlists.map(
        (p) => `${p.attributes.RESOLUTION?.width}x${p.attributes.RESOLUTION?.height}`,
      ),
    ).toEqual(expected.rungs);

    // Each video rendition lasts as long as the source's video, within a frame (two when the
    // frame rate was converted: a variable-rate source's last frame may straddle the new grid).
    if (expected.rungs.length) {
      const source = await videoDuration(sourceOf.get(name)!);
      for (const variant of variants) {
        const frame = 1 / (variant.attributes['FRAME-RATE'] ?? 30);
        const tolerance = (facts.vfr ? 2 : 1) * frame + 0.005;
        const rendition = await videoDuration(new URL(variant.uri, playback.hls).toString());
        expect(
          Math.abs(rendition.seconds - source.seconds),
          `${variant.uri}: ${rendition.seconds} s vs ${source.seconds} s`,
        ).toBeLessThanOrEqual(tolerance);
      }
    }

    // Poster and storyboard for video; a download for all.
    const download = await kino.app.inject({ method: 'GET', url: new URL(playback.mp4!).pathname });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.subarray(4, 8).toString('latin1')).toBe('ftyp');
    // A poster for all: a frame of the video, or the cover art or waveform of sound alone.
    const poster = await kino.app.inject({ method: 'GET', url: new URL(playback.poster!).pathname });
    expect(poster.statusCode).toBe(200);
    expect(poster.headers['content-type']).toBe('image/jpeg');
    expect([...poster.rawPayload.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    if (!facts.hasVideo) {
      expect(playback.storyboard).toBeNull();
      return;
    }
    const luma = await lumaStats(playback.poster!);
    expect(luma.max - luma.min, 'the poster is not one flat colour').toBeGreaterThan(50);
    expect(luma.avg, 'the poster is not black').toBeGreaterThan(20);

    const vtt = await kino.app.inject({ method: 'GET', url: new URL(playback.storyboard!).pathname });
    expect(vtt.statusCode).toBe(200);
    expect(vtt.body.startsWith('WEBVTT')).toBe(true);
    const cues = vtt.body.split('\n').filter((l) => l.includes('#xywh='));
    expect(cues.length).toBeGreaterThanOrEqual(Math.floor(facts.durationSec!));
    const sheet = /^(\S+)#xywh=\d+,\d+,\d+,\d+$/.exec(cues[0]!)?.[1];
    const sheetRes = await kino.app.inject({
      method: 'GET',
      url: new URL(sheet!, `${base}/play/${media.id}/`).pathname,
    });
    expect(sheetRes.statusCode).toBe(200);
    expect([...sheetRes.rawPayload.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  // Each rendition is muxed on its own. A video with B-frames starts decoding before its first
  // picture and AAC starts with priming samples; were each output moved so its own timestamps start
  // at 0, the picture would show two frames (66 ms at 30 fps) behind its sound. Checked through the
  // HLS master and through the MP4 download, for a copied and an encoded video, and for a source
  // whose sound starts after its picture: that sound is padded with silence to start with the
  // picture (players skip or stall over a stretch where only one of them plays), its content kept
  // where it was (see real-world-sources.test.ts for the beep against the flash).
  it('keeps video and audio starting together, as they do in the source', async () => {
    const padded = new Set<SampleName>(['audio-late']);
    for (const name of ['h264-aac-720p', 'hevc-8bit', 'audio-late'] as const) {
      const media = mediaOf.get(name)!;
      const source = await streamStarts(sourceOf.get(name)!);
      const frame = 1 / SAMPLE_CATALOGUE[name].facts.fps!;
      const expected = padded.has(name) ? 0 : source.video! - source.audio!;
      for (const url of [
        `${base}/play/${media.id}/master.m3u8`,
        `${base}${new URL(media.playback!.mp4!).pathname}`,
      ]) {
        const played = await streamStarts(url);
        const drift = played.video! - played.audio! - expected;
        expect(
          Math.abs(drift),
          `${name} ${url}: video starts ${drift.toFixed(3)} s later than in the source`,
        ).toBeLessThan(frame);
      }
    }
  });

  it.each(READY.filter((n) => readyOutcome(n).passthrough && SAMPLE_CATALOGUE[n].facts.hasVideo))(
    '%s: playable while the ladder was still encoding',
    (name) => {
      const history = historyOf.get(name)!;
      const early = history.find((h) => h.playable && h.status === 'processing');
      expect(early, JSON.stringify(history)).toBeDefined();
      const ready = history.find((h) => h.status === 'ready');
      expect(early!.at).toBeLessThanOrEqual(ready!.at);
    },
  );

  // A source that cannot pass through gets its first rung encoded fast, then the ladder.
  it.each(READY.filter((n) => !readyOutcome(n).passthrough))(
    '%s: playable from a fast first rung before its ladder was ready',
    (name) => {
      const history = historyOf.get(name)!;
      const early = history.find((h) => h.playable && h.status === 'processing');
      expect(early, JSON.stringify(history)).toBeDefined();
    },
  );
});
