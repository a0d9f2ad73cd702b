import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import { parse as parseMpd } from 'mpd-parser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptionTrackJson } from '../../src/captions/captions.schemas.ts';
import type { MediaJson } from '../../src/media/media.schemas.ts';
import { startKinoProcess, type KinoProcess } from '../e2e/kino-process.ts';
import { run } from '../media-tools.ts';
import { tusUpload } from '../media-upload.ts';
import { startTestPageServer, type TestPageServer } from './test-page-server.ts';

/** The track's cues; the clip is 10 s long. */
const CUES = [
  { start: 1, end: 3, text: 'Erste Zeile' },
  { start: 4, end: 6, text: 'Zweite Zeile über Ärger' },
  { start: 7, end: 9.5, text: 'Dritte Zeile' },
];
const SRT = CUES.map((c, i) => {
  const stamp = (s: number) =>
    `00:00:${String(Math.floor(s)).padStart(2, '0')},${String(Math.round((s % 1) * 1000)).padStart(3, '0')}`;
  return `${i + 1}\r\n${stamp(c.start)} --> ${stamp(c.end)}\r\n${c.text}\r\n`;
}).join('\r\n');

/** What the page reports about hls.js's subtitle tracks and the video's text tracks. */
interface CaptionState {
  subtitleTracks: { name: string; lang: string; default: boolean }[];
  subtitleTrack: number;
  currentTime: number;
  seeking: boolean;
  textTracks: { kind: string; label: string; language: string; mode: string; cues: number }[];
  active: { text: string; start: number; end: number }[];
  fatal: string | null;
}

async function api<T>(kino: KinoProcess, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${kino.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Drives hls.js (as npm ships it, default configuration) on the test page's video element, and
 * reads the text track hls.js made for the selected subtitle track.
 */
const DRIVER = `
window.captionsTest = {
  load(src) {
    const video = document.getElementById('video');
    const hls = new Hls();
    window.captionsTest.hls = hls;
    window.captionsTest.fatal = null;
    hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) window.captionsTest.fatal = data.details; });
    hls.loadSource(src);
    hls.attachMedia(video);
  },
  state() {
    const video = document.getElementById('video');
    const hls = window.captionsTest.hls;
    const tracks = Array.from(video.textTracks);
    const showing = tracks.find((t) => t.mode === 'showing' || t.mode === 'hidden');
    return {
      subtitleTracks: hls.subtitleTracks.map((t) => ({ name: t.name, lang: t.lang, default: t.default })),
      subtitleTrack: hls.subtitleTrack,
      currentTime: video.currentTime,
      seeking: video.seeking,
      textTracks: tracks.map((t) => ({ kind: t.kind, label: t.label, language: t.language, mode: t.mode, cues: t.cues ? t.cues.length : 0 })),
      active: showing && showing.activeCues
        ? Array.from(showing.activeCues).map((c) => ({ text: c.text, start: c.startTime, end: c.endTime }))
        : [],
      fatal: window.captionsTest.fatal,
    };
  },
};`;

describe('caption tracks in headless Chromium (hls.js), ffmpeg and the MPD', () => {
  let kino: KinoProcess | undefined;
  let launching: Promise<Browser> | undefined;
  let browser: Browser | undefined;
  let pageServer: TestPageServer | undefined;
  let page: WatchedPage | undefined;
  let key = '';
  let media: MediaJson;
  let track: CaptionTrackJson;
  /** The playback URLs with a token (the media is private). */
  let hlsUrl = '';
  let dashUrl = '';

  const state = () => {
    if (!page) throw new Error('no page');
    return page.page.evaluate<CaptionState>('window.captionsTest.state()');
  };

  beforeAll(async () => {
    launching = launchChromium();
    const clip = generate({ width: 640, height: 360, durationSec: 10 });
    kino = await startKinoProcess();
    pageServer = await startTestPageServer();
    key = (await api<{ apiKey: string }>(kino, kino.operatorKey, 'POST', '/v1/tenants', { name: 'captions' }))
      .apiKey;
    const { mediaId } = await tusUpload(kino.baseUrl, key, await clip, {
      filename: 'lecture.mp4',
      title: 'Captioned lecture',
      visibility: 'private',
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
      media = await api<MediaJson>(kino, key, 'GET', `/v1/media/${mediaId}`);
      if (media.status === 'ready') break;
      if (media.status === 'errored' || Date.now() > deadline)
        throw new Error(`media is ${media.status}\n${kino.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const form = new FormData();
    form.set('language', 'de');
    form.set('default', 'true');
    form.set('kind', 'captions');
    form.set('file', new Blob([Buffer.from(`\ufeff${SRT}`)]), 'lecture.de.srt');
    const added = await fetch(`${kino.baseUrl}/v1/media/${mediaId}/captions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: form,
    });
    expect(added.status).toBe(201);
    track = (await added.json()) as CaptionTrackJson;
    const token = await api<{ playback: { hls: string; dash: string } }>(
      kino,
      key,
      'POST',
      `/v1/media/${mediaId}/playback-tokens`,
      { expiresInSeconds: 600 },
    );
    hlsUrl = token.playback.hls;
    dashUrl = token.playback.dash;
    browser = await launching;
  }, 150_000);

  afterAll(async () => {
    const steps = [
      () => page?.close(),
      async () => (await launching)?.close(),
      () => pageServer?.stop(),
      () => kino?.stop(),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
  });

  it('lists the track, and the active cue at time t is the one the file has at t', async () => {
    if (!browser || !pageServer) throw new Error('no browser');
    page = await openPage(browser, `${pageServer.origin}/`);
    await page.page.evaluate(DRIVER);
    await page.page.evaluate(`window.captionsTest.load(${JSON.stringify(hlsUrl)})`);
    await page.page.waitForFunction('window.captionsTest.hls.subtitleTracks.length > 0', undefined, {
      timeout: 15_000,
    });
    const listed = await state();
    expect(listed.subtitleTracks).toEqual([{ name: 'Deutsch', lang: 'de', default: true }]);
    // hls.js selects the default track by itself; its cues arrive once the WebVTT is loaded.
    await page.page.waitForFunction(
      'window.captionsTest.state().textTracks.some((t) => t.cues > 0)',
      undefined,
      { timeout: 15_000 },
    );

    for (const cue of CUES) {
      const t = (cue.start + cue.end) / 2;
      await page.page.evaluate(`document.getElementById('video').currentTime = ${t}`);
      await page.page.waitForFunction(
        // activeCues follow a seek a moment later: wait until they are those of the new time.
        `(() => { const s = window.captionsTest.state(); return !s.seeking && Math.abs(s.currentTime - ${t}) < 0.05 &&
          s.active.length > 0 && s.active.every((c) => c.start <= s.currentTime && s.currentTime < c.end); })()`,
        undefined,
        { timeout: 15_000 },
      );
      const seen = await state();
      expect(seen.fatal).toBeNull();
      expect(seen.active.map((c) => c.text)).toEqual([cue.text]);
      // Within a frame or two of the file's times (the first frame's decode delay).
      expect(seen.active[0]?.start).toBeCloseTo(cue.start, 1);
      expect(seen.active[0]?.end).toBeCloseTo(cue.end, 1);
      // The frame's burnt-in clock and the caption on screen, side by side.
      if (cue === CUES[1]) await page.screenshot('captions-hls.png');
    }
    // Between cues nothing is shown.
    await page.page.evaluate(`document.getElementById('video').currentTime = 3.5`);
    await page.page.waitForFunction(
      '(() => { const s = window.captionsTest.state(); return !s.seeking && Math.abs(s.currentTime - 3.5) < 0.05 && s.active.length === 0; })()',
      undefined,
      { timeout: 15_000 },
    );
    const tracks = (await state()).textTracks.filter((t) => t.cues > 0);
    expect(tracks).toEqual([expect.objectContaining({ language: 'de', label: 'Deutsch', cues: 3 })]);
  }, 60_000);

  it('lets ffmpeg read the subtitle playlist with the right cue text and times', async () => {
    const playlist = hlsUrl.replace(/master\.m3u8$/, `captions/${track.id}.m3u8`);
    const { stdout } = await run('ffmpeg', [
      '-nostdin',
      '-v',
      'error',
      '-i',
      playlist,
      '-map',
      '0:s',
      '-f',
      'webvtt',
      '-',
    ]);
    const cues = stdout
      .split(/\n\n+/)
      .filter((block) => block.includes('-->'))
      .map((block) => {
        const [timing = '', ...text] = block.trim().split('\n');
        const [start = '', end = ''] = timing.split(' --> ');
        const seconds = (stamp: string) => stamp.split(':').reduce((sum, part) => sum * 60 + Number(part), 0);
        return { start: seconds(start), end: seconds(end), text: text.join('\n') };
      });
    expect(cues).toEqual(CUES);
  });

  it('declares the text track in the MPD, reachable with the token', async () => {
    const mpd = await (await fetch(dashUrl)).text();
    const manifest = parseMpd(mpd, { manifestUri: dashUrl });
    const subtitles =
      (
        manifest.mediaGroups as unknown as {
          SUBTITLES: Record<
            string,
            Record<string, { language: string; playlists: { segments: { resolvedUri: string }[] }[] }>
          >;
        }
      ).SUBTITLES.subs ?? {};
    const [entry] = Object.values(subtitles);
    expect(entry?.language).toBe('de');
    const vttUrl = entry?.playlists[0]?.segments[0]?.resolvedUri ?? '';
    // Through the session's grant and version, like the renditions: not the token of the MPD's URL.
    const [, token = '', mediaPath = ''] = /\/play\/t\/([^/]+)\/(.+)\/manifest\.mpd$/.exec(dashUrl) ?? [];
    expect(vttUrl).toMatch(new RegExp(`/play/t/[^/]+/${mediaPath}/job_[^/]+/captions/${track.id}/1\\.vtt$`));
    expect(vttUrl).not.toContain(token);
    const vtt = await fetch(vttUrl);
    expect(vtt.status).toBe(200);
    expect(await vtt.text()).toContain('00:00:04.000 --> 00:00:06.000\nZweite Zeile über Ärger');
    // Without the token, the same files are refused.
    const bare = vttUrl.replace(/\/play\/t\/[^/]+\//, '/play/');
    expect((await fetch(bare)).status).toBe(401);
    expect((await fetch(bare.replace(/\/1\.vtt$/, '.m3u8'))).status).toBe(401);
  });
});
