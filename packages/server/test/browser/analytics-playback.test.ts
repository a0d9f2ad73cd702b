import {
  launchChromium,
  openPage,
  playVideo,
  waitForPlayback,
  type WatchedPage,
} from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaJson } from '../../src/media/media.schemas.ts';
import { startKinoProcess, type KinoProcess } from '../e2e/kino-process.ts';
import { tusUpload } from '../media-upload.ts';

interface ViewJson {
  id: string;
  startupTimeMs: number | null;
  watchTimeSeconds: number;
  rebufferCount: number;
  rebufferSeconds: number;
  error: { code: string; message: string; fatal: boolean } | null;
  exitedBeforeStart: boolean;
  ended: boolean;
  player: string;
  browser: string;
  renditions: string[];
  cmcd: { requests: number } | null;
}

/**
 * Views reported by the embed page's <kino-player> in Chromium, read back through the API: one
 * played to its end, one whose segments start answering 404 mid-play, one left before its first
 * frame. One processed media serves all three.
 */
describe('playback analytics from the embed page in Chromium', () => {
  let kino: KinoProcess | undefined;
  let browser: Browser | undefined;
  const pages: WatchedPage[] = [];
  let key = '';
  let media: MediaJson;

  const api = async <T>(path: string): Promise<T> => {
    if (!kino) throw new Error('no kino');
    const res = await fetch(`${kino.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const views = async () =>
    (await api<{ items: ViewJson[] }>(`/v1/analytics/views?mediaId=${media.id}&limit=50`)).items;
  /** Waits for a view the test did not see before to satisfy `done`. */
  const nextView = async (seen: Set<string>, done: (v: ViewJson) => boolean): Promise<ViewJson> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = (await views()).find((v) => !seen.has(v.id) && done(v));
      if (found) {
        seen.add(found.id);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`no such view: ${JSON.stringify(await views())}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const open = async () => {
    if (!browser || !media.playback?.embed) throw new Error('not ready');
    const page = await openPage(browser, media.playback.embed, { viewport: { width: 640, height: 360 } });
    pages.push(page);
    return page;
  };

  beforeAll(async () => {
    const launching = launchChromium();
    const clip = generate({ width: 640, height: 360, durationSec: 10 });
    kino = await startKinoProcess();
    const tenant = await fetch(`${kino.baseUrl}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kino.operatorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'analytics' }),
    });
    key = ((await tenant.json()) as { apiKey: string }).apiKey;
    const { mediaId } = await tusUpload(kino.baseUrl, key, await clip, {
      filename: 'talk.mp4',
      title: 'Talk',
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
      media = await api<MediaJson>(`/v1/media/${mediaId}`);
      if (media.status === 'ready') break;
      if (media.status === 'errored' || Date.now() > deadline)
        throw new Error(`media is ${media.status}\n${kino.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    browser = await launching;
  }, 180_000);

  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await browser?.close();
    await kino?.stop();
  });

  const seen = new Set<string>();

  it('records a view played to its end: startup time, about 10 s watched, no rebuffering, no error', async () => {
    const page = await open();
    await page.page.waitForSelector('kino-player video');
    expect(await playVideo(page.page, 'kino-player video')).toBe('playing');
    await waitForPlayback(page.page, {
      selector: 'kino-player video',
      seconds: 9.5,
      timeoutMs: 30_000,
      until: () => true,
    });
    const view = await nextView(seen, (v) => v.ended);
    expect(view.startupTimeMs).toBeGreaterThan(0);
    expect(view.watchTimeSeconds).toBeGreaterThanOrEqual(8);
    expect(view.watchTimeSeconds).toBeLessThanOrEqual(12);
    expect(view.rebufferCount).toBe(0);
    expect(view.error).toBeNull();
    expect(view.exitedBeforeStart).toBe(false);
    expect(view.player).toBe('kino-player 0.1.0');
    expect(view.browser).toMatch(/Chrom/);
    expect(view.renditions.length).toBeGreaterThan(0);
    expect(view.cmcd?.requests).toBeGreaterThan(0);
    expect(page.errors).toEqual([]);
  }, 60_000);

  it('records a stall the network caused as rebuffering, about as long as the page saw it', async () => {
    if (!browser || !media.playback?.embed) throw new Error('not ready');
    const context = await browser.newContext({ viewport: { width: 640, height: 360 } });
    // The page's own account of stalls (waiting until playing, after the first frame), kept apart
    // from the player's code.
    await context.addInitScript(`
      window.__stalls = { seconds: 0, count: 0, since: null, started: false };
      document.addEventListener('playing', () => {
        const s = window.__stalls;
        if (s.since !== null) { s.seconds += (performance.now() - s.since) / 1000; s.since = null; }
        s.started = true;
      }, true);
      document.addEventListener('waiting', (e) => {
        const s = window.__stalls;
        if (s.started && s.since === null && !e.target.seeking) { s.since = performance.now(); s.count++; }
      }, true);
    `);
    // After the first two video segments, every video segment waits until `releaseAt`: the player
    // runs out of video a few seconds in and stalls until then.
    let releaseAt = Infinity;
    let served = 0;
    await context.route(
      (url) => url.pathname.includes('/play/') && /\/video-[^/]+\.mp4$/.test(url.pathname),
      async (route) => {
        if (/^bytes=0-/.test(route.request().headers().range ?? '')) return route.continue();
        served++;
        const wait = releaseAt - Date.now();
        if (served > 2 && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        return route.continue();
      },
    );
    const page = await context.newPage();
    try {
      await page.goto(media.playback.embed);
      await page.waitForSelector('kino-player video');
      releaseAt = Date.now() + 9000;
      expect(await playVideo(page, 'kino-player video')).toBe('playing');
      const view = await nextView(seen, (v) => v.ended);
      const stalls = await page.evaluate<{ seconds: number; count: number }>('window.__stalls');
      expect(stalls.count).toBeGreaterThanOrEqual(1);
      expect(stalls.seconds).toBeGreaterThan(1);
      expect(view.rebufferCount).toBe(stalls.count);
      expect(Math.abs(view.rebufferSeconds - stalls.seconds)).toBeLessThan(0.5);
      expect(view.error).toBeNull();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('records segments that answer 404 mid-play as a playback failure with its error', async () => {
    if (!browser || !media.playback?.embed) throw new Error('not ready');
    const context = await browser.newContext({ viewport: { width: 640, height: 360 } });
    // Segments are byte ranges of one file per rendition: past its first 300 kB (about 3 s of
    // this video), every range answers 404.
    await context.route(
      (url) => url.pathname.endsWith('.mp4') && url.pathname.includes('/play/'),
      (route) => {
        const start = Number(/^bytes=(\d+)-/.exec(route.request().headers().range ?? '')?.[1] ?? 0);
        return start > 300_000 ? route.fulfill({ status: 404, body: 'gone' }) : route.continue();
      },
    );
    const page = await context.newPage();
    try {
      await page.goto(media.playback.embed);
      await page.waitForSelector('kino-player video');
      expect(await playVideo(page, 'kino-player video')).toBe('playing');
      const view = await nextView(seen, (v) => v.error?.fatal === true);
      expect(view.startupTimeMs).toBeGreaterThan(0);
      expect(view.error).toMatchObject({ code: 'fragLoadError', message: 'HTTP 404', fatal: true });
      expect(view.exitedBeforeStart).toBe(false);
      const report = await api<{ playbackFailurePercent: number; views: number }>(
        `/v1/media/${media.id}/analytics`,
      );
      expect(report.views).toBe(3);
      expect(report.playbackFailurePercent).toBeCloseTo(33.33, 1);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('records a page closed before the first frame as an exit before video start', async () => {
    if (!browser || !media.playback?.embed) throw new Error('not ready');
    const context = await browser.newContext({ viewport: { width: 640, height: 360 } });
    // Init segments (the ranges from byte 0) never arrive: the video cannot start.
    await context.route(
      (url) => url.pathname.endsWith('.mp4') && url.pathname.includes('/play/'),
      (route) => (/^bytes=0-/.test(route.request().headers().range ?? '') ? undefined : route.continue()),
    );
    const page = await context.newPage();
    await page.goto(media.playback.embed);
    await page.waitForSelector('kino-player video');
    void playVideo(page, 'kino-player video').catch(() => undefined);
    // The first batch (play intent) goes after about a second; then the viewer leaves.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await page.close({ runBeforeUnload: true });
    const view = await nextView(seen, (v) => v.ended);
    expect(view.startupTimeMs).toBeNull();
    expect(view.exitedBeforeStart).toBe(true);
    expect(view.error).toBeNull();
    await context.close();
  }, 60_000);
});
