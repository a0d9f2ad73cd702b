import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LONG_SOURCE, longSource } from '@kino/testkit/long-source';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusUpload, waitForMedia } from '../../test/media-upload.ts';
import { run } from '../../test/media-tools.ts';
import { parseDash, parseHls } from '../../test/stream-parsers.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import type { MediaJson } from '../media/media.schemas.ts';
import { processTimeoutMs } from '../media/attempt-timeouts.ts';
import { encodeTimeoutMs } from './job-timeouts.ts';

const HOURS = 4;
const SECONDS = HOURS * 3600;
const FRAME = 1 / LONG_SOURCE.fps;
/** The largest width or height a baseline JPEG can say. */
const JPEG_MAX = 65_535;

/** Width and height from a JPEG's start-of-frame segment. */
function jpegSize(jpeg: Buffer): { width: number; height: number } {
  let at = 2;
  while (at + 9 < jpeg.length) {
    if (jpeg[at] !== 0xff) throw new Error(`not a JPEG marker at ${at}`);
    const marker = jpeg[at + 1] ?? 0;
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: jpeg.readUInt16BE(at + 5), width: jpeg.readUInt16BE(at + 7) };
    }
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  throw new Error('no start-of-frame segment');
}

const seconds = (from: number) => Math.round((performance.now() - from) / 100) / 10;

/**
 * A 4-hour source, uploaded and processed for real: it ends ready, and what players read of it
 * (playlists of 7,200 segments, the MPD, the storyboard, the download) says 4 hours. Its job
 * attempts are sized by job-timeouts.ts. The source is tiny and passes through, so the hours cost
 * bytes and packets rather than encoding (the encode timeout's growth is unit-tested).
 */
describe('a 4-hour source', () => {
  let kino: TestKino;
  let base: string;
  let key: string;
  let file: string;
  let media: MediaJson;
  let scratch: string;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'kino-long-'));
    let started = performance.now();
    file = await longSource(HOURS);
    timings.source = seconds(started);
    kino = await startTestKino('sqlite');
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    key = (await kino.tenant()).key;
    kino.start();
    started = performance.now();
    const { mediaId } = await tusUpload(
      base,
      key,
      file,
      { filename: 'lecture.mp4' },
      { chunkBytes: 8 << 20 },
    );
    timings.upload = seconds(started);
    started = performance.now();
    const { final } = await waitForMedia(kino, key, [mediaId], { timeoutMs: 400_000, pollMs: 500 });
    timings.processing = seconds(started);
    media = final.get(mediaId)!;
  }, 600_000);

  afterAll(async () => {
    console.info(`4-hour source, seconds: ${JSON.stringify(timings)}`);
    await kino.close({ graceMs: 0 });
    await rm(scratch, { recursive: true, force: true });
  });

  const onSocket = (url: string) => `${base}${new URL(url).pathname}`;
  const text = async (url: string) => {
    const res = await fetch(url);
    expect(res.status, url).toBe(200);
    return res.text();
  };

  it('ends ready, 4 hours long within a frame', () => {
    expect(media).toMatchObject({ status: 'ready', playable: true, error: null });
    expect(Math.abs(media.durationSeconds! - SECONDS)).toBeLessThan(FRAME);
  });

  it('gives each attempt the timeout job-timeouts.ts derives from the source', async () => {
    const jobs = await kino.database.db
      .selectFrom('jobs')
      .select(['type', 'timeout_ms', 'attempt', 'started_at', 'finished_at'])
      .where('type', 'in', ['media.process', 'media.encode'])
      .execute();
    for (const job of jobs) {
      if (job.started_at !== null && job.finished_at !== null) {
        timings[job.type] = (job.finished_at - job.started_at) / 1000;
      }
    }
    const sizeBytes = (await stat(file)).size;
    const timeoutOf = (type: string) => jobs.find((j) => j.type === type)?.timeout_ms;
    expect(timeoutOf('media.process')).toBe(processTimeoutMs(sizeBytes));
    expect(timeoutOf('media.encode')).toBe(
      encodeTimeoutMs({
        durationSeconds: media.durationSeconds!,
        sizeBytes,
        pixels: LONG_SOURCE.width * LONG_SOURCE.height,
        frameRate: LONG_SOURCE.fps,
        maxOutputKbps: 0,
        // The tiny picture is copied: no rung is smaller than it.
        encodedRungPixels: [],
      }),
    );
    // One attempt each: nothing timed out or failed on the way.
    expect(jobs.map((j) => j.attempt)).toEqual([1, 1]);
  });

  it('lists 7,200 segments of 2 s in each HLS media playlist, and they parse', async () => {
    const master = onSocket(media.playback!.hls);
    const parsed = parseHls(await text(master));
    expect(parsed.warnings).toEqual([]);
    const audio = Object.values(parsed.manifest.mediaGroups?.AUDIO ?? {}).flatMap((g) => Object.values(g));
    const playlists = [...(parsed.manifest.playlists ?? []).map((p) => p.uri), ...audio.map((a) => a.uri!)];
    expect(playlists).toHaveLength(2);
    for (const uri of playlists) {
      const playlist = parseHls(await text(new URL(uri, master).toString()));
      expect(playlist.warnings, uri).toEqual([]);
      const segments = playlist.manifest.segments;
      expect(Math.abs(segments.length - SECONDS / 2), uri).toBeLessThanOrEqual(1);
      expect(Math.max(...segments.map((s) => s.duration))).toBeLessThanOrEqual(2.1);
      const total = segments.reduce((sum, s) => sum + s.duration, 0);
      expect(Math.abs(total - SECONDS), uri).toBeLessThan(FRAME);
    }
    // The last segment plays: its byte range is at the far end of its file. (ffmpeg 5.1's HLS
    // demuxer cannot seek in byte-range fMP4 at all, so its bytes are fetched and decoded.)
    const videoUrl = new URL(playlists[0]!, master);
    const last = parseHls(await text(videoUrl.toString())).manifest.segments.at(-1)!;
    const init = last.map!;
    const bytes = async (uri: string, range: { offset: number; length: number }) => {
      const res = await fetch(new URL(uri, videoUrl), {
        headers: { range: `bytes=${range.offset}-${range.offset + range.length - 1}` },
      });
      expect(res.status).toBe(206);
      return Buffer.from(await res.arrayBuffer());
    };
    const tail = path.join(scratch, 'tail.mp4');
    await writeFile(
      tail,
      Buffer.concat([await bytes(init.uri, init.byterange!), await bytes(last.uri, last.byterange!)]),
    );
    const whole = await fetch(new URL(last.uri, videoUrl), { method: 'HEAD' });
    expect(last.byterange!.offset + last.byterange!.length).toBe(Number(whole.headers.get('content-length')));
    const { stderr } = await run('ffmpeg', [
      '-nostdin',
      '-v',
      'error',
      '-xerror',
      '-i',
      tail,
      '-f',
      'null',
      '-',
    ]);
    expect(stderr.trim()).toBe('');
  });

  it('states 4 hours in the MPD', async () => {
    const url = onSocket(media.playback!.dash);
    const mpd = parseDash(await text(url), url);
    expect(mpd.warnings).toEqual([]);
    expect(Math.abs(mpd.manifest.duration - SECONDS)).toBeLessThan(FRAME);
    expect(Math.abs(mpd.manifest.playlists[0]!.segments.length - SECONDS / 2)).toBeLessThanOrEqual(1);
  });

  it('covers the 4 hours with storyboard tiles, on sheets that JPEG can hold', async () => {
    const vttUrl = onSocket(media.playback!.storyboard!);
    const lines = (await text(vttUrl)).split('\n');
    const cues = lines.filter((l) => l.includes('#xywh='));
    expect(cues.length).toBeGreaterThan(50);
    // The last cue ends at the end of the 4 hours.
    expect(lines.filter((l) => l.includes(' --> ')).at(-1)).toMatch(/ --> 04:00:00\.0\d\d$/);
    const extent = new Map<string, { width: number; height: number }>();
    for (const cue of cues) {
      const [, sheet, x, y, w, h] = /^(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(cue)!.map(String);
      const seen = extent.get(sheet!) ?? { width: 0, height: 0 };
      extent.set(sheet!, {
        width: Math.max(seen.width, Number(x) + Number(w)),
        height: Math.max(seen.height, Number(y) + Number(h)),
      });
    }
    for (const [sheet, needed] of extent) {
      const res = await fetch(new URL(sheet, vttUrl));
      expect(res.status, sheet).toBe(200);
      const size = jpegSize(Buffer.from(await res.arrayBuffer()));
      expect(size.width).toBeGreaterThanOrEqual(needed.width);
      expect(size.height).toBeGreaterThanOrEqual(needed.height);
      expect(Math.max(size.width, size.height)).toBeLessThanOrEqual(JPEG_MAX);
    }
  });

  it('makes an MP4 download of 4 hours', async () => {
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-show_entries', 'stream=codec_type,duration', '-of', 'csv=p=0'],
      onSocket(media.playback!.mp4!),
    ]);
    const durations = new Map(
      stdout
        .trim()
        .split('\n')
        .map((line) => {
          const [kind = '', duration = ''] = line.split(',');
          return [kind, Number(duration)] as const;
        }),
    );
    expect([...durations.keys()].sort()).toEqual(['audio', 'video']);
    for (const [kind, duration] of durations) {
      expect(Math.abs(duration - SECONDS), kind).toBeLessThan(FRAME);
    }
  });
});
