import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaJson } from '../../src/media/media.schemas.ts';
import { logIn, startConsoleKino, type ConsoleKino } from './console-fixture.ts';

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

describe('a console upload with the title left empty', () => {
  let kino: ConsoleKino | undefined;
  let launching: Promise<Browser> | undefined;
  let watched: WatchedPage | undefined;
  let dir = '';
  let clip = '';

  beforeAll(async () => {
    launching = launchChromium();
    const generating = generate({ width: 320, height: 180, durationSec: 2 });
    kino = await startConsoleKino();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kino-upload-title-'));
    clip = path.join(dir, 'Harbour Walk.mp4');
    await fs.copyFile(await generating, clip);
  }, 120_000);

  afterAll(async () => {
    const steps = [
      () => watched?.close(),
      async () => (await launching)?.close(),
      () => kino?.stop(),
      () => fs.rm(dir, { recursive: true, force: true }),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
  });

  it('sends no title, and the media is named after its file', async () => {
    if (!kino || !launching) throw new Error('not started');
    watched = await openPage(await launching, `${kino.kino.baseUrl}/login`, {
      viewport: { width: 1280, height: 800 },
    });
    const { page } = watched;
    const creations: Record<string, string>[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/uploads') {
        creations.push(metadataOf(request.headers()['upload-metadata']));
      }
    });
    await logIn(page, kino.kino.baseUrl, kino.admin, kino.password);
    await page.getByRole('link', { name: 'Upload', exact: true }).first().click();
    await page.locator('.uppy-Dashboard').waitFor();
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(clip);
    const uploaded = page.getByRole('list', { name: 'Uploaded' }).getByRole('link');
    await uploaded.waitFor({ timeout: 30_000 });
    expect(await uploaded.textContent()).toBe('Harbour Walk.mp4');

    // The console sends no empty field; the server names the media after its file either way.
    expect(creations).toHaveLength(1);
    expect.soft(creations[0]).toMatchObject({ filename: 'Harbour Walk.mp4', visibility: 'private' });
    expect.soft(Object.keys(creations[0] ?? {})).not.toContain('title');

    await uploaded.click();
    await page.waitForURL(/\/media\/med_/);
    const mediaId = new URL(page.url()).pathname.split('/').pop() ?? '';
    const media = await kino.api<MediaJson>('GET', `/v1/media/${mediaId}`, undefined, kino.tenant.apiKey);
    expect(media.title).toBe('Harbour Walk');

    await page.getByRole('link', { name: 'Library' }).click();
    const card = page.getByRole('listitem').filter({ has: page.locator(`a[href="/media/${mediaId}"]`) });
    await expect(card.locator('.card-title').textContent()).resolves.toBe('Harbour Walk');
  }, 90_000);
});
