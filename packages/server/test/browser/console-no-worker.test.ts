import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIn, startConsoleKino, type ConsoleKino } from './console-fixture.ts';

describe('the operator console of a Kino without a worker', () => {
  let kino: ConsoleKino | undefined;
  let launching: Promise<Browser> | undefined;
  let watched: WatchedPage | undefined;

  beforeAll(async () => {
    launching = launchChromium();
    // The API alone: nothing will ever take a job.
    kino = await startConsoleKino({ KINO_ROLES: 'api' });
  }, 120_000);

  afterAll(async () => {
    const steps = [() => watched?.close(), async () => (await launching)?.close(), () => kino?.stop()];
    for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
  });

  it('says so in a red banner on every operator page', async () => {
    if (!kino || !launching) throw new Error('not started');
    const browser = await launching;
    watched = await openPage(browser, `${kino.kino.baseUrl}/login`, {
      viewport: { width: 1280, height: 800 },
    });
    const { page } = watched;
    await logIn(page, kino.kino.baseUrl, kino.operator, kino.password);
    expect(new URL(page.url()).pathname).toBe('/operator/health');

    const banner = page.locator('.banner-alarm[role=alert]');
    await banner.waitFor({ timeout: 10_000 });
    const text = (await banner.textContent()) ?? '';
    expect(text).toContain('No worker is running.');
    // The server's own words, then what to do about it.
    expect(text).toMatch(/No worker has been seen in the last \d+ seconds/);
    expect(text).toContain('KINO_ROLES');
    const colour = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('.banner-alarm')).backgroundColor`,
    );
    expect(colour).toBe('rgb(198, 40, 40)');

    // Still there on the other operator pages.
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.waitForURL(/\/operator\/jobs$/);
    expect(await banner.isVisible()).toBe(true);
  });
});
