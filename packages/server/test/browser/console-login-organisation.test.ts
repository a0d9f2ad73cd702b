import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleKino, type ConsoleKino } from './console-fixture.ts';

const SCREENSHOTS = process.env.KINO_SCREENSHOTS_DIR;

describe('signing in when one email has accounts in two organisations (headless Chromium)', () => {
  let kino: ConsoleKino | undefined;
  let browser: Browser | undefined;
  const pages: WatchedPage[] = [];

  beforeAll(async () => {
    const launching = launchChromium();
    kino = await startConsoleKino();
    browser = await launching;
    // The admin of Acme Media is also an editor at a second school, with the same password.
    const other = await kino.api<{ id: string }>('POST', '/v1/tenants', { name: 'Northside School' });
    await kino.api('POST', `/v1/users?tenantId=${other.id}`, {
      email: kino.admin,
      name: 'Ada at Northside',
      role: 'editor',
      password: kino.password,
    });
  }, 120_000);

  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await kino?.stop();
  });

  it.each([
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ])('asks which organisation, then signs in to the one chosen (%s)', async (size, viewport) => {
    if (!browser || !kino) throw new Error('not started');
    const watched = await openPage(browser, `${kino.kino.baseUrl}/login`, { viewport });
    pages.push(watched);
    const { page } = watched;
    await page.getByLabel('Email').fill(kino.admin);
    await page.getByLabel('Password').fill(kino.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    const organisation = page.getByLabel('Organisation');
    await organisation.waitFor();
    expect(await organisation.locator('option').allTextContents()).toEqual(
      expect.arrayContaining(['Acme Media', 'Northside School']),
    );
    expect(new URL(page.url()).pathname).toBe('/login');
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/login-organisation-${size}.png` });

    await organisation.selectOption({ label: 'Northside School' });
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 15_000 });
    await expect.poll(() => page.getByText('Northside School').count()).toBeGreaterThan(0);
    // Signed in as the Northside editor, not the Acme admin.
    const session = await page.evaluate(async () => (await fetch('/v1/auth/session')).json());
    expect(session).toMatchObject({ user: { role: 'editor' } });
    await page.context().clearCookies();
  });
});
