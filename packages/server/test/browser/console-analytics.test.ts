import { randomBytes } from 'node:crypto';
import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusUpload } from '../media-upload.ts';
import {
  logIn,
  startConsoleKino,
  waitForPlayable,
  waitUntilTrue,
  type ConsoleKino,
} from './console-fixture.ts';

const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const;

/**
 * The console's Analytics and Usage pages: the empty state that says how data arrives, then the
 * figures and charts of views reported through POST /v1/beacons (as a player would, with the grant
 * from the media's master playlist), at desktop and phone widths.
 */
describe('console analytics and usage pages', () => {
  let kino: ConsoleKino;
  let browser: Browser | undefined;
  const pages: WatchedPage[] = [];
  let mediaId = '';

  beforeAll(async () => {
    const launching = launchChromium();
    kino = await startConsoleKino();
    const clip = await generate({ width: 640, height: 360, durationSec: 10 });
    mediaId = (
      await tusUpload(kino.kino.baseUrl, kino.tenant.apiKey, clip, {
        filename: 'tour.mp4',
        title: 'Product tour',
      })
    ).mediaId;
    await waitForPlayable(kino, mediaId, { ready: true });
    browser = await launching;
  }, 120_000);

  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await browser?.close();
    await kino.stop();
  });

  const signedIn = async (email: string, viewport: { width: number; height: number }) => {
    if (!browser) throw new Error('no browser');
    const page = await openPage(browser, `${kino.kino.baseUrl}/login`, { viewport });
    pages.push(page);
    await logIn(page.page, kino.kino.baseUrl, email, kino.password);
    return page;
  };

  /** Views as a player reports them: the grant from the master playlist, then its events. */
  const report = async (events: Record<string, unknown>[]) => {
    const master = await fetch(`${kino.kino.baseUrl}/play/${mediaId}/master.m3u8`).then((r) => r.text());
    const grant = /DATA-ID="video\.kino\.beacon",VALUE="([^"]+)"/.exec(master)?.[1];
    const res = await fetch(`${kino.kino.baseUrl}/v1/beacons`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({
        grant,
        view: randomBytes(16).toString('base64url'),
        player: { name: 'test' },
        events,
      }),
    });
    expect(res.status).toBe(204);
  };

  it('explains how views arrive while there are none', async () => {
    const page = await signedIn(kino.admin, VIEWPORTS[0].viewport);
    await page.page.goto(`${kino.kino.baseUrl}/analytics`);
    await page.page.getByText('No views in this period').waitFor();
    expect(await page.page.getByText('report how each playback went').isVisible()).toBe(true);
    await page.screenshot('analytics-empty-desktop.png');
  }, 30_000);

  it('shows views, startup, rebuffering and failures with charts, per media too, and usage', async () => {
    await report([
      { e: 'playrequest', t: 0 },
      { e: 'rendition', t: 100, bitrate: 800_000, width: 640, height: 360 },
      { e: 'firstframe', t: 420 },
      { e: 'rebufferstart', t: 3000, p: 2580 },
      { e: 'rebufferend', t: 3400 },
    ]);
    await report([
      { e: 'playrequest', t: 0 },
      { e: 'firstframe', t: 900 },
      { e: 'ended', t: 4900, p: 4000 },
    ]);
    await report([
      { e: 'playrequest', t: 0 },
      { e: 'error', t: 1500, code: 'manifestLoadError', message: 'HTTP 403', fatal: true },
    ]);
    await report([
      { e: 'playrequest', t: 0 },
      { e: 'pagehide', t: 700 },
    ]);
    // Bytes delivered: the playlist fetched above, once per report.
    for (const { name, viewport } of VIEWPORTS) {
      const page = await signedIn(kino.admin, viewport);
      await page.page.goto(`${kino.kino.baseUrl}/analytics`);
      await page.page.getByRole('heading', { name: 'Views and watch time' }).waitFor();
      await waitUntilTrue(page.page, 'document.querySelectorAll("figure.chart canvas").length === 2');
      const stats = await page.page.locator('.stat').allInnerTexts();
      expect(stats[0]).toMatch(/Views\s*4/);
      expect(stats.join(' ')).toMatch(/Playback failures\s*25%/);
      expect(stats.join(' ')).toMatch(/Exits before start\s*25%/);
      await page.page.getByRole('link', { name: 'Product tour' }).waitFor();
      await page.screenshot(`analytics-${name}.png`);

      await page.page.getByRole('link', { name: 'Product tour' }).click();
      await page.page.getByRole('heading', { name: 'Analytics: Product tour' }).waitFor();
      await page.page.getByRole('heading', { name: 'Recent views' }).waitFor();
      expect(await page.page.getByText('Failed: manifestLoadError (HTTP 403)').isVisible()).toBe(true);
      await page.screenshot(`analytics-media-${name}.png`);
      // The media page leads to the same view of its analytics.
      await page.page.goto(`${kino.kino.baseUrl}/media/${mediaId}`);
      // The page's own link, once the media has loaded (before, only the navigation's is there).
      await page.page.getByRole('heading', { name: 'Product tour', exact: true }).waitFor();
      await page.page.getByRole('link', { name: 'Analytics', exact: true }).last().click();
      await page.page.getByRole('heading', { name: 'Analytics: Product tour' }).waitFor();

      await page.page.goto(`${kino.kino.baseUrl}/usage`);
      await page.page.getByRole('heading', { name: 'Per day', exact: true }).waitFor();
      const usage = await page.page.locator('.stat').allInnerTexts();
      expect(usage.join(' ')).toMatch(/Views\s*4/);
      expect(usage[0]).not.toContain('–');
      await page.screenshot(`usage-${name}.png`);
      // The sign-in page asks for a session before there is one (401): not an error of these pages.
      expect(page.errors.filter((e) => !e.includes('/v1/auth/session'))).toEqual([]);
    }
    const operator = await signedIn(kino.operator, VIEWPORTS[0].viewport);
    await operator.page.goto(`${kino.kino.baseUrl}/operator/usage`);
    await operator.page.getByRole('heading', { name: 'Per day', exact: true }).waitFor();
    expect(await operator.page.getByRole('cell', { name: kino.tenant.id }).count()).toBeGreaterThan(0);
    await operator.screenshot('usage-operator-desktop.png');
  }, 90_000);
});
