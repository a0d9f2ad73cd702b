import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish } from '../live-publisher.ts';
import { startTestPageServer, type TestPageServer } from '../browser/test-page-server.ts';
import { createStream, getStream, startLiveKino, waitFor, type LiveKino } from './live-fixture.ts';

interface HlsState {
  manifestParsed: boolean;
  errors: { type: string; details: string; fatal: boolean; status: number | null }[];
  fatal: { details: string } | null;
  currentTime: number;
  playingDate: number | null;
}

describe('hls.js in Chromium on a live stream whose publisher drops and comes back (over RTMP, then SRT)', () => {
  let kino: LiveKino;
  let browser: Browser;
  let pages: TestPageServer;
  let page: WatchedPage | undefined;

  beforeAll(async () => {
    const launching = launchChromium();
    kino = await startLiveKino('sqlite+disk');
    pages = await startTestPageServer();
    browser = await launching;
  }, 120_000);
  afterAll(async () => {
    await page?.close().catch(() => undefined);
    await browser.close().catch(() => undefined);
    await pages.stop();
    await kino.close();
  });

  it("plays through two reconnects with no fatal error, on the publisher's clock", async () => {
    const { key } = await kino.tenant();
    const stream = await createStream(kino, key, { reconnectWindowSeconds: 15 });
    const state = async () => {
      if (!page) throw new Error('no page');
      return page.page.evaluate<HlsState>('window.kinoHls.state()');
    };
    // The middle session comes over SRT: the same broadcast, whatever the encoder's protocol.
    const sessions = [
      { seconds: 12, url: stream.url },
      { seconds: 10, url: stream.srtUrl },
      { seconds: 12, url: stream.url },
    ];
    for (const [i, { seconds, url }] of sessions.entries()) {
      const publisher = publish(url, { seconds });
      if (i === 0) {
        await waitFor('the live master', 30_000, async () => {
          const res = await fetch(`${kino.baseUrl}/play/live/${stream.id}/master.m3u8`);
          return res.ok ? true : undefined;
        });
        page = await openPage(browser, `${pages.origin}/`);
        await page.page.evaluate(
          `window.kinoHls.load(${JSON.stringify(`${kino.baseUrl}/play/live/${stream.id}/master.m3u8`)})`,
        );
        await page.page.evaluate('window.kinoHls.play()');
        await waitFor('playback', 20_000, async () => ((await state()).currentTime > 0.5 ? true : undefined));
        const s = await state();
        // PROGRAM-DATE-TIME is when Kino received the frames: a few seconds behind now, not minutes.
        expect(s.playingDate).not.toBeNull();
        expect(Math.abs(Date.now() - (s.playingDate ?? 0))).toBeLessThan(30_000);
      }
      await publisher.exited;
      await waitFor('the publisher to leave', 15_000, async () =>
        (await getStream(kino, key, stream.id)).status === 'reconnecting' ? true : undefined,
      );
    }
    const before = (await state()).currentTime;
    // What is left of the broadcast plays on, past the discontinuities.
    await new Promise((r) => setTimeout(r, 6000));
    const after = await state();
    expect(after.fatal, JSON.stringify(after.errors)).toBeNull();
    expect(after.currentTime).toBeGreaterThan(before);
    expect(after.currentTime).toBeGreaterThan(20);
  }, 180_000);
});
