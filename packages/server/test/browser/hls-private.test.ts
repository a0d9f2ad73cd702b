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
import { startTestPageServer, type TestPageServer } from './test-page-server.ts';

/** What the test page (page/hls-player.js) reports. */
interface HlsState {
  src: string;
  manifestParsed: boolean;
  levels: { width: number; height: number; bitrate: number }[];
  levelSwitches: number[];
  errors: { type: string; details: string; fatal: boolean; status: number | null }[];
  fatal: { type: string; details: string; fatal: boolean; status: number | null } | null;
  currentLevel: number;
  audioTracks: number;
  audioDecodedBytes: number;
}

interface TokenJson {
  token: string;
  playback: { hls: string; embed: string };
}

const hlsState = (page: WatchedPage) => page.page.evaluate<HlsState>('window.kinoHls.state()');

const PLAYBACK_TEST_MS = 60_000;

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

async function waitUntilReady(kino: KinoProcess, key: string, id: string): Promise<MediaJson> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const media = await api<MediaJson>(kino, key, 'GET', `/v1/media/${id}`);
    if (media.status === 'ready') return media;
    if (media.status === 'errored' || Date.now() > deadline) {
      throw new Error(`media ${id} is ${media.status}: ${JSON.stringify(media.error)}\n${kino.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('a private media in headless Chromium (hls.js from its tokenized master URL alone)', () => {
  let kino: KinoProcess | undefined;
  let launching: Promise<Browser> | undefined;
  let browser: Browser | undefined;
  let pageServer: TestPageServer | undefined;
  const pages: WatchedPage[] = [];
  let key = '';
  let media: MediaJson;
  let token: TokenJson;

  /** What a failing playback check prints: the page's errors, hls.js's state, Kino's log. */
  const explain = (page: WatchedPage, withHls: boolean) => async () => {
    const hls = withHls ? `hls.js: ${JSON.stringify(await hlsState(page))}\n` : '';
    const log = kino?.output().slice(-4000) ?? '';
    return `${hls}page errors: ${JSON.stringify(page.errors)}\n--- kino output ---\n${log}`;
  };

  const open = async (url: string) => {
    if (!browser) throw new Error('no browser');
    const page = await openPage(browser, url);
    pages.push(page);
    return page;
  };

  beforeAll(async () => {
    // Chromium starts while Kino boots and the clip is made; each is closed in afterAll.
    launching = launchChromium();
    const clip = generate({ width: 640, height: 360, durationSec: 8 });
    kino = await startKinoProcess();
    pageServer = await startTestPageServer();
    const tenant = await api<{ apiKey: string }>(kino, kino.operatorKey, 'POST', '/v1/tenants', {
      name: 'browser',
    });
    key = tenant.apiKey;
    const { mediaId } = await tusUpload(kino.baseUrl, key, await clip, {
      filename: 'clip.mp4',
      title: 'Browser playback',
      visibility: 'private',
    });
    media = await waitUntilReady(kino, key, mediaId);
    token = await api<TokenJson>(kino, key, 'POST', `/v1/media/${mediaId}/playback-tokens`, {
      expiresInSeconds: 600,
    });
    browser = await launching;
  }, 120_000);

  afterAll(async () => {
    // Each step runs even when one before it failed, so no Chromium or Kino process outlives the file.
    const steps = [
      ...pages.map((p) => () => p.close()),
      // Awaited even when setup failed before it finished, so a late-starting browser is closed too.
      async () => (await launching)?.close(),
      () => pageServer?.stop(),
      () => kino?.stop(),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
  });

  it('decodes H.264 and AAC through Media Source Extensions', async () => {
    const page = await open(`${pageServer?.origin ?? ''}/`);
    const support = await page.page.evaluate<{ mse: boolean; hls: boolean }>(`({
      mse: MediaSource.isTypeSupported('video/mp4; codecs="avc1.64001f,mp4a.40.2"'),
      hls: window.kinoHls.supported(),
    })`);
    expect(support, 'this Chromium build cannot decode H.264/AAC in MSE').toEqual({ mse: true, hls: true });
  });

  it(
    'plays the tokenized master URL past 2 s with no fatal error, and switches level',
    async () => {
      const page = await open(`${pageServer?.origin ?? ''}/`);
      expect(new URL(token.playback.hls).origin).not.toBe(pageServer?.origin);
      await page.page.evaluate(`window.kinoHls.load(${JSON.stringify(token.playback.hls)})`);
      expect(await page.page.evaluate<string>('window.kinoHls.play()')).toBe('playing');
      await waitForPlayback(page.page, { seconds: 2, explain: explain(page, true) });

      const videos = media.renditions.filter((r) => r.kind === 'video');
      const before = await hlsState(page);
      expect(before.fatal).toBeNull();
      const byHeight = (a: number | null, b: number | null) => (a ?? 0) - (b ?? 0);
      expect(before.levels.map((l) => l.height).sort(byHeight)).toEqual(
        videos.map((r) => r.height).sort(byHeight),
      );
      expect(before.levels.length).toBeGreaterThan(1);
      expect(media.renditions.filter((r) => r.kind === 'audio')).toHaveLength(1);
      expect(before.audioTracks).toBe(1);
      expect(before.audioDecodedBytes).toBeGreaterThan(0);

      // Switch to another rendition and wait until its frames are on screen.
      const target = (before.currentLevel + 1) % before.levels.length;
      const height = before.levels[target]?.height ?? 0;
      await page.page.evaluate(`window.kinoHls.switchTo(${target})`);
      const after = await waitForPlayback(page.page, {
        seconds: 2,
        until: (video) => video.videoHeight === height,
        explain: explain(page, true),
      });
      const state = await hlsState(page);
      expect(state.levelSwitches).toContain(target);
      expect(state.fatal).toBeNull();
      expect(after.videoHeight).toBe(height);
      await page.screenshot('hls-private-playing.png');
      expect(page.errors).toEqual([]);
    },
    PLAYBACK_TEST_MS,
  );

  it('refuses the master URL without a token (401) and with an altered token (403)', async () => {
    const page = await open(`${pageServer?.origin ?? ''}/`);
    const fatalFor = async (url: string) => {
      await page.page.evaluate(`window.kinoHls.load(${JSON.stringify(url)})`);
      await page.page.waitForFunction('window.kinoHls.state().fatal !== null', undefined, {
        timeout: 10_000,
      });
      return (await hlsState(page)).fatal;
    };
    const networkError = (status: number) => ({
      type: 'networkError',
      details: 'manifestLoadError',
      fatal: true,
      status,
    });

    expect(await fatalFor(`${kino?.baseUrl ?? ''}/play/${media.id}/master.m3u8`)).toEqual(networkError(401));
    // One character of the signature changed (not the last: its low bits may be padding).
    const i = token.token.length - 5;
    const forged = token.token.slice(0, i) + (token.token[i] === 'A' ? 'B' : 'A') + token.token.slice(i + 1);
    expect(await fatalFor(token.playback.hls.replace(token.token, forged))).toEqual(networkError(403));
  });

  it(
    'plays the embed page: with the token while private, bare once public',
    async () => {
      const privateEmbed = await open(token.playback.embed);
      expect(await playVideo(privateEmbed.page)).toBe('playing');
      await waitForPlayback(privateEmbed.page, { seconds: 2, explain: explain(privateEmbed, false) });
      await privateEmbed.screenshot('embed-private-playing.png');
      expect(privateEmbed.errors).toEqual([]);

      if (!kino) throw new Error('no kino');
      await api(kino, key, 'PATCH', `/v1/media/${media.id}`, { visibility: 'public' });
      const publicEmbed = await open(`${kino.baseUrl}/embed/${media.id}`);
      expect(await playVideo(publicEmbed.page)).toBe('playing');
      await waitForPlayback(publicEmbed.page, { seconds: 2, explain: explain(publicEmbed, false) });
      expect(publicEmbed.errors).toEqual([]);
    },
    PLAYBACK_TEST_MS,
  );
});
