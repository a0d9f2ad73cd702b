import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, type Publisher } from '../live-publisher.ts';
import { createStream, startLiveKino, waitFor, type LiveKino } from './live-fixture.ts';

interface PlayerState {
  heading: string | null;
  hasVideo: boolean;
  currentTime: number;
  badge: string | null;
  failed: string | null;
}

/** What the embed page shows: its message, or its video's position and the live badge. */
const playerState = (page: WatchedPage) =>
  page.page.evaluate<PlayerState>(`(() => {
    const player = document.querySelector('kino-player');
    const video = player?.querySelector('video') ?? null;
    const badge = player?.querySelector('.kp-live-badge');
    return {
      heading: document.querySelector('.kp-heading, .fallback')?.textContent ?? null,
      hasVideo: video !== null,
      currentTime: video ? video.currentTime : 0,
      badge: badge && !badge.hidden ? badge.textContent : null,
      failed: player?.querySelector('.kp-error .kp-heading')?.textContent ?? null,
    };
  })()`);

describe('/embed/live/{id} in Chromium', () => {
  let kino: LiveKino;
  let browser: Browser;
  const pages: WatchedPage[] = [];
  let publisher: Publisher | undefined;

  beforeAll(async () => {
    const launching = launchChromium();
    kino = await startLiveKino('sqlite+disk');
    browser = await launching;
  }, 120_000);
  afterAll(async () => {
    await publisher?.kill().catch(() => undefined);
    for (const page of pages) await page.close().catch(() => undefined);
    await browser.close().catch(() => undefined);
    await kino.close();
  });

  const open = async (url: string) => {
    const page = await openPage(browser, url, { viewport: { width: 640, height: 360 } });
    pages.push(page);
    return page;
  };

  it('says a public stream is offline while nothing broadcasts', async () => {
    const { key } = await kino.tenant();
    const stream = await createStream(kino, key, { title: 'Town hall' });
    const status = await fetch(`${kino.baseUrl}/embed/live/${stream.id}/status`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ state: 'offline', title: 'Town hall', playback: null });
    const page = await open(`${kino.baseUrl}/embed/live/${stream.id}`);
    await waitFor('the offline state', 10_000, async () =>
      (await playerState(page)).heading === 'Offline' ? true : undefined,
    );
    await page.screenshot('/tmp/liveui-shots/embed-offline.png');
    const unknown = await fetch(`${kino.baseUrl}/embed/live/ls_doesnotexist0000`);
    expect(unknown.status).toBe(404);
  }, 60_000);

  it('refuses a private stream without a token, and with one plays the broadcast by itself once it starts', async () => {
    const { key } = await kino.tenant();
    const stream = await createStream(kino, key, { title: 'Board meeting', visibility: 'private' });

    const refused = await fetch(`${kino.baseUrl}/embed/live/${stream.id}`);
    expect(refused.status).toBe(401);
    const html = await refused.text();
    expect(html).toContain('This live stream is private');
    expect(html).not.toContain('Board meeting');
    expect(html).not.toContain('<kino-player');
    const forged = await fetch(`${kino.baseUrl}/embed/live/${stream.id}?token=not.a.token`);
    expect(forged.status).toBe(403);
    expect(await forged.text()).not.toContain('<kino-player');
    const status = await fetch(`${kino.baseUrl}/embed/live/${stream.id}/status`);
    expect(await status.json()).toMatchObject({ state: 'private', title: '', playback: null });

    const tokenRes = await kino.call(key, 'POST', `/v1/live-streams/${stream.id}/playback-tokens`, {});
    expect(tokenRes.statusCode, tokenRes.body).toBe(201);
    const { playback } = tokenRes.json<{ playback: { embed: string } }>();
    const page = await open(playback.embed.replace(/^https?:\/\/[^/]+/, kino.baseUrl));
    await waitFor('the offline state', 10_000, async () =>
      (await playerState(page)).heading === 'Offline' ? true : undefined,
    );

    publisher = publish(stream.url, { seconds: 60 });
    const first = await waitFor('playback to start by itself', 40_000, async () => {
      const s = await playerState(page);
      return s.hasVideo && s.currentTime > 1 ? s : undefined;
    }).catch(async (err: unknown) => {
      throw new Error(
        `${String(err)}: ${JSON.stringify(await playerState(page))} ${JSON.stringify(page.errors)}`,
      );
    });
    await new Promise((r) => setTimeout(r, 4000));
    const later = await playerState(page);
    await page.screenshot('/tmp/liveui-shots/embed-live.png');
    expect(later.failed, JSON.stringify(page.errors)).toBeNull();
    expect(later.currentTime).toBeGreaterThan(first.currentTime);
    expect(later.badge).toBe('LIVE');

    // DVR: back to the start of the window, "Behind live"; "Go live" returns to the edge.
    await waitFor('a DVR window to scrub', 60_000, async () =>
      (await playerState(page)).currentTime > 20 ? true : undefined,
    );
    await page.page.evaluate(
      "(() => { const v = document.querySelector('kino-player video'); window.seekedTo = v.seekable.start(0) + 1; v.currentTime = window.seekedTo; return v.currentTime; })()",
    );
    await waitFor('the behind-live badge', 10_000, async () =>
      (await playerState(page)).badge === 'Behind live' ? true : undefined,
    ).catch(async (err: unknown) => {
      const where = await page.page.evaluate<string>(
        "(() => { const v = document.querySelector('kino-player video'); const b = v.buffered; return JSON.stringify({ t: v.currentTime, s: v.seekable.length ? [v.seekable.start(0), v.seekable.end(0)] : null, b: Array.from({ length: b.length }, (_, i) => [b.start(i), b.end(i)]), p: v.paused, sk: v.seeking, r: v.readyState }); })()",
      );
      throw new Error(`${String(err)}: ${where} ${JSON.stringify(await playerState(page))}`);
    });
    await page.page.hover('kino-player');
    await page.screenshot('/tmp/liveui-shots/embed-behind.png');
    await page.page.getByRole('button', { name: 'Go live' }).click();
    await waitFor('the live edge again', 10_000, async () =>
      (await playerState(page)).badge === 'LIVE' ? true : undefined,
    );
    expect((await playerState(page)).failed).toBeNull();
    await publisher.kill();
  }, 120_000);
});
