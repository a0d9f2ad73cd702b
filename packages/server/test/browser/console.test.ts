import { launchChromium, openPage, waitForPlayback, type WatchedPage } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  logIn,
  startConsoleKino,
  waitForPlayable,
  waitUntilTrue,
  type ConsoleKino,
} from './console-fixture.ts';

/** The sign-in page asks for the session first; a 401 there just means "not signed in yet". */
const unexpected = (errors: string[]) =>
  errors.filter((e) => !/401 \(Unauthorized\).*\/v1\/auth\/session\)$/.test(e));

describe('the web console in headless Chromium', () => {
  let kino: ConsoleKino | undefined;
  let launching: Promise<Browser> | undefined;
  let browser: Browser | undefined;
  let clip = '';
  const pages: WatchedPage[] = [];
  let mediaId = '';

  const open = async (path: string) => {
    if (!browser || !kino) throw new Error('not started');
    const page = await openPage(browser, `${kino.kino.baseUrl}${path}`, {
      viewport: { width: 1280, height: 800 },
    });
    pages.push(page);
    return page;
  };
  const explain = (page: WatchedPage) => async () =>
    `page errors: ${JSON.stringify(page.errors)}\n--- kino output ---\n${kino?.kino.output().slice(-4000) ?? ''}`;

  beforeAll(async () => {
    launching = launchChromium();
    const generating = generate({ width: 640, height: 360, durationSec: 6 });
    kino = await startConsoleKino();
    clip = await generating;
    browser = await launching;
  }, 120_000);

  afterAll(async () => {
    const steps = [
      ...pages.map((p) => () => p.close()),
      async () => (await launching)?.close(),
      () => kino?.stop(),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
  });

  it('signs an admin in, uploads a video through Uppy, shows it playable and plays it', async () => {
    if (!kino) throw new Error('no kino');
    const { page, errors } = await open('/login');
    await logIn(page, kino.kino.baseUrl, kino.admin, kino.password);
    expect(new URL(page.url()).pathname).toBe('/library');

    await page.getByRole('link', { name: 'Upload', exact: true }).first().click();
    await page.locator('.uppy-Dashboard').waitFor();
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(clip);
    // Uppy uploads at once (autoProceed); Kino names the media on the tus creation answer.
    const uploaded = page.getByRole('list', { name: 'Uploaded' }).getByRole('link');
    await uploaded.waitFor({ timeout: 30_000 });
    await uploaded.click();
    await page.waitForURL(/\/media\/med_/);
    mediaId = new URL(page.url()).pathname.split('/').pop() ?? '';

    // Live status: the page turns into the player once the media is playable.
    await page.locator('kino-player video').waitFor({ timeout: 60_000 });
    await page.locator('kino-player .kp-bar media-play-button').click();
    const state = await waitForPlayback(page, {
      seconds: 1.5,
      selector: 'kino-player video',
      timeoutMs: 20_000,
      explain: explain(pages[0] as WatchedPage),
    });
    expect(state.errorCode).toBeNull();
    expect(await page.locator('kino-player .kp-message').count()).toBe(0);

    await page.getByRole('link', { name: 'Library' }).click();
    const card = page.getByRole('listitem').filter({ has: page.locator(`a[href="/media/${mediaId}"]`) });
    await expect(card.locator('.badge').textContent()).resolves.toMatch(/Ready|Processing · playable/);
    expect(unexpected(errors)).toEqual([]);
  }, 90_000);

  it('shows the private message on the embed page of a private media without a token', async () => {
    if (!kino || !browser) throw new Error('not started');
    await kino.api('PATCH', `/v1/media/${mediaId}`, { visibility: 'private' }, kino.tenant.apiKey);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const response = await page.goto(`${kino.kino.baseUrl}/embed/${mediaId}`);
      expect(response?.status()).toBe(401);
      const heading = page.locator('kino-player .kp-heading');
      await heading.waitFor();
      expect(await heading.textContent()).toBe('This video is private');
      expect(await page.locator('kino-player video').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('shows a viewer no delete button, and the API refuses their delete (403)', async () => {
    if (!kino) throw new Error('no kino');
    await waitForPlayable(kino, mediaId);
    const { page } = await open('/login');
    await logIn(page, kino.kino.baseUrl, kino.viewer, kino.password);
    await page.goto(`${kino.kino.baseUrl}/media/${mediaId}`);
    await page.getByRole('heading', { name: 'About' }).waitFor();
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Upload' }).count()).toBe(0);
    await page.goto(`${kino.kino.baseUrl}/library`);
    await waitUntilTrue(page, `document.querySelectorAll('.card').length > 0`);
    expect(await page.locator('.card input[type=checkbox]').count()).toBe(0);

    const status = await page.evaluate<number>(`(async () => {
      const session = await (await fetch('/v1/auth/session')).json();
      const res = await fetch('/v1/media/${mediaId}', { method: 'DELETE', headers: { 'x-csrf-token': session.csrfToken } });
      return res.status;
    })()`);
    expect(status).toBe(403);
    const media = await kino.api<{ id: string }>(
      'GET',
      `/v1/media/${mediaId}`,
      undefined,
      kino.tenant.apiKey,
    );
    expect(media.id).toBe(mediaId);
  });
});
