import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaJson } from '../../src/media/media.schemas.ts';
import { logIn, startConsoleKino, waitUntilTrue, type ConsoleKino } from './console-fixture.ts';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** The keys and values of a tus Upload-Metadata header. */
function metadataOf(header: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (header ?? '')
      .split(',')
      .filter((pair) => pair.trim() !== '')
      .map((pair) => {
        const [key = '', value = ''] = pair.trim().split(' ');
        return [key, Buffer.from(value, 'base64').toString('utf8')];
      }),
  );
}

describe('console polish: titles, not-found page, private uploads, offline, unfinished uploads, progress, phone tables', () => {
  let kino: ConsoleKino | undefined;
  let launching: Promise<Browser> | undefined;
  const opened: WatchedPage[] = [];
  let dir = '';
  let clip = '';
  let longClip = '';

  const open = async (viewport = DESKTOP) => {
    if (!kino || !launching) throw new Error('not started');
    const watched = await openPage(await launching, `${kino.kino.baseUrl}/login`, { viewport });
    opened.push(watched);
    await logIn(watched.page, kino.kino.baseUrl, kino.admin, kino.password);
    return watched;
  };
  const tenantApi = <T>(method: string, p: string, body?: unknown) => {
    if (!kino) throw new Error('not started');
    return kino.api<T>(method, p, body, kino.tenant.apiKey);
  };
  const title = (page: Page) => page.evaluate<string>('document.title');

  beforeAll(async () => {
    launching = launchChromium();
    const short = generate({ width: 320, height: 180, durationSec: 2 });
    const long = generate({ width: 1280, height: 720, durationSec: 40 });
    kino = await startConsoleKino();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'console-polish-'));
    clip = path.join(dir, 'Harbour Walk.mp4');
    longClip = path.join(dir, 'Long Lecture.mp4');
    await fs.copyFile(await short, clip);
    await fs.copyFile(await long, longClip);
  }, 180_000);

  afterAll(async () => {
    for (const w of opened) await w.close().catch(() => undefined);
    await (await launching)?.close().catch(() => undefined);
    await kino?.stop().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('names every tab after its page, and answers a mistyped console address with its own page', async () => {
    if (!kino || !launching) throw new Error('not started');
    const anonymous = await openPage(await launching, `${kino.kino.baseUrl}/login`, { viewport: DESKTOP });
    opened.push(anonymous);
    await anonymous.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await title(anonymous.page)).toBe('Sign in — Kino');

    const watched = await open();
    const { page } = watched;
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    expect(await title(page)).toBe('Library — Kino');
    await page.getByRole('link', { name: 'Upload', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Upload' }).waitFor();
    expect(await title(page)).toBe('Upload — Kino');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/settings\/keys$/);
    await waitUntilTrue(page, `document.title === 'API keys — Kino'`);
    await page.getByRole('link', { name: 'Members' }).click();
    await waitUntilTrue(page, `document.title === 'Members — Kino'`);

    // A mistyped address: an HTML page of the console (404), not problem+json.
    const answer = await page.goto(`${kino.kino.baseUrl}/libary/videos/2`);
    expect(answer?.status()).toBe(404);
    expect(answer?.headers()['content-type']).toContain('text/html');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await title(page)).toBe('Page not found — Kino');
    await watched.screenshot('console-not-found-desktop.png');
    // Programs asking for JSON keep the problem+json answer.
    const api = await fetch(`${kino.kino.baseUrl}/libary/videos/2`, {
      headers: { accept: 'application/json' },
    });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    const v1 = await fetch(`${kino.kino.baseUrl}/v1/nope`, { headers: { accept: 'text/html' } });
    expect(v1.headers.get('content-type')).toContain('application/problem+json');
  }, 60_000);

  it('uploads private by default, and says when it is offline and waiting for the network', async () => {
    if (!kino) throw new Error('not started');
    const watched = await open();
    const { page } = watched;
    const creations: Record<string, string>[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/uploads') {
        creations.push(metadataOf(request.headers()['upload-metadata']));
      }
    });
    await page.goto(`${kino.kino.baseUrl}/upload`);
    await page.locator('.uppy-Dashboard').waitFor();
    expect(await page.getByLabel('Visibility').first().inputValue()).toBe('private');
    expect(await page.locator('#import-visibility').inputValue()).toBe('private');

    await page.context().setOffline(true);
    const offline = page.getByRole('status').filter({ hasText: 'You are offline' });
    await offline.waitFor();
    expect(await offline.textContent()).toContain('go on by themselves');
    await watched.screenshot('console-upload-offline-desktop.png');
    await page.setViewportSize(PHONE);
    await watched.screenshot('console-upload-offline-phone.png');
    await page.setViewportSize(DESKTOP);
    await page.context().setOffline(false);
    await offline.waitFor({ state: 'detached' });

    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(clip);
    const uploaded = page.getByRole('list', { name: 'Uploaded' }).getByRole('link');
    await uploaded.waitFor({ timeout: 30_000 });
    expect(creations[0]).toMatchObject({ visibility: 'private' });
    await uploaded.click();
    await page.waitForURL(/\/media\/med_/);
    const media = await tenantApi<MediaJson>(
      'GET',
      `/v1/media/${new URL(page.url()).pathname.split('/').pop()}`,
    );
    expect(media.visibility).toBe('private');
  }, 60_000);

  it('explains unfinished uploads in the library, resumes one with the same file and removes the others', async () => {
    if (!kino) throw new Error('not started');
    // Two uploads that never finished: media waiting for their file.
    const first = await tenantApi<MediaJson>('POST', '/v1/media', {
      title: 'Board meeting',
      visibility: 'private',
    });
    const second = await tenantApi<MediaJson>('POST', '/v1/media', {
      title: 'Half sent',
      visibility: 'private',
    });
    const watched = await open();
    const { page } = watched;
    await page.goto(`${kino.kino.baseUrl}/library`);
    const note = page.getByRole('status').filter({ hasText: 'did not finish' });
    await note.waitFor();
    expect(await note.textContent()).toContain('2 uploads did not finish.');
    const card = page.getByRole('listitem').filter({ has: page.locator(`a[href="/media/${first.id}"]`) });
    expect(await card.textContent()).toContain('The upload did not finish');
    await watched.screenshot('console-library-unfinished-desktop.png');
    await page.setViewportSize(PHONE);
    await watched.screenshot('console-library-unfinished-phone.png');
    await page.setViewportSize(DESKTOP);

    const creations: Record<string, string>[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/uploads') {
        creations.push(metadataOf(request.headers()['upload-metadata']));
      }
    });
    await card.getByRole('link', { name: 'Resume upload' }).click();
    await page.waitForURL(/\/upload\?resume=/);
    await page.getByRole('status').filter({ hasText: 'Finishing the upload of' }).waitFor();
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(clip);
    await page.getByRole('list', { name: 'Uploaded' }).getByRole('link').waitFor({ timeout: 30_000 });
    // The same media got the file: no new media.
    expect(creations).toMatchObject([{ mediaId: first.id }]);
    const filled = await tenantApi<MediaJson>('GET', `/v1/media/${first.id}`);
    expect(filled.status).not.toBe('waiting');
    expect(filled.title).toBe('Board meeting');

    // The waiting media's own page says the same, with the way to finish it.
    await page.goto(`${kino.kino.baseUrl}/media/${second.id}`);
    await page.getByRole('status').filter({ hasText: 'The upload did not finish' }).waitFor();
    expect(await page.getByRole('link', { name: 'Resume the upload' }).getAttribute('href')).toBe(
      `/upload?resume=${second.id}`,
    );
    await watched.screenshot('console-media-waiting-desktop.png').then(() => undefined);

    await page.goto(`${kino.kino.baseUrl}/library`);
    await note.waitFor();
    expect(await note.textContent()).toContain('1 upload did not finish.');
    await note.getByRole('button', { name: 'Remove unfinished upload' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await note.waitFor({ state: 'detached' });
    const gone = await fetch(`${kino.kino.baseUrl}/v1/media/${second.id}`, {
      headers: { authorization: `Bearer ${kino.tenant.apiKey}` },
    });
    expect(gone.status).toBe(404);
  }, 90_000);

  it('shows one progress display with a real percentage, and no second video-sized panel once it plays', async () => {
    if (!kino) throw new Error('not started');
    const watched = await open();
    const { page } = watched;
    await page.goto(`${kino.kino.baseUrl}/upload`);
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(longClip);
    const uploaded = page.getByRole('list', { name: 'Uploaded' }).getByRole('link');
    await uploaded.waitFor({ timeout: 60_000 });
    await uploaded.click();
    await page.waitForURL(/\/media\/med_/);
    const id = new URL(page.url()).pathname.split('/').pop() ?? '';

    // The API answers a number while processing, and it never goes back.
    const seen: number[] = [];
    const deadline = Date.now() + 120_000;
    for (;;) {
      const p = await tenantApi<{ status: string; playable: boolean; percent: number | null }>(
        'GET',
        `/v1/media/${id}/progress`,
      );
      if (p.status !== 'processing' || Date.now() > deadline) break;
      if (p.percent !== null) seen.push(p.percent);
      if (p.playable && p.percent !== null && p.percent > 45) {
        // While it plays and the other renditions are made: one slim line with the percentage.
        await page.locator('kino-player').waitFor();
        await page.locator('.processing-compact .processing-percent').filter({ hasText: /\d+%/ }).waitFor();
        expect(await page.locator('.processing').count()).toBe(1);
        const box = await page.locator('.processing').boundingBox();
        expect(box?.height ?? 999).toBeLessThan(100);
        await watched.screenshot('console-media-progress-desktop.png');
        await page.setViewportSize(PHONE);
        await watched.screenshot('console-media-progress-phone.png');
        await page.setViewportSize(DESKTOP);
        break;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(seen.length).toBeGreaterThan(0);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  }, 180_000);

  it('keeps the API keys table inside a phone screen', async () => {
    if (!kino) throw new Error('not started');
    await tenantApi('POST', '/v1/keys', { name: 'Website uploader with a long name', scope: 'upload' }).catch(
      () => undefined,
    );
    const watched = await open(PHONE);
    const { page } = watched;
    await page.goto(`${kino.kino.baseUrl}/settings/keys`);
    await page.getByRole('heading', { name: 'Keys' }).waitFor();
    await page.locator('table tbody tr').first().waitFor();
    const overflow = await page.evaluate<number>(
      `document.documentElement.scrollWidth - document.documentElement.clientWidth + (document.querySelector('.table-wrap').scrollWidth - document.querySelector('.table-wrap').clientWidth)`,
    );
    expect(overflow).toBe(0);
    // Each cell carries its column's name on a phone.
    const label = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('.table-stack td[data-label]'), '::before').content`,
    );
    expect(label).toBe('"Name"');
    await watched.screenshot('console-keys-phone.png');
  }, 60_000);
});
