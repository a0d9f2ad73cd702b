/**
 * Screenshots of the console's main pages at desktop and phone widths, into docs/screenshots/:
 * `npm run screenshots`. Starts its own Kino (SQLite in a temporary folder), fills it through the
 * API, and drives Debian's Chromium like the browser tests do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser } from 'playwright-core';
import { REPO_ROOT } from '../e2e/kino-process.ts';
import { tusUpload } from '../media-upload.ts';
import {
  logIn,
  startConsoleKino,
  waitForPlayable,
  waitUntilTrue,
  type ConsoleKino,
} from './console-fixture.ts';

const OUT = path.join(REPO_ROOT, 'docs/screenshots');
const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const;

/** An SRT of `[start, end, text]` cues. */
const srt = (cues: [number, number, string][]) =>
  cues
    .map(([start, end, text], i) => {
      const stamp = (t: number) =>
        `00:00:${String(Math.floor(t)).padStart(2, '0')},${String(Math.round((t % 1) * 1000)).padStart(3, '0')}`;
      return `${i + 1}\n${stamp(start)} --> ${stamp(end)}\n${text}\n`;
    })
    .join('\n');

/** Caption tracks for two of the media: what the captions panel, the player and search show. */
async function addCaptions(kino: ConsoleKino, tour: string, onboarding: string) {
  const add = (id: string, track: Record<string, unknown>) =>
    kino.api('POST', `/v1/media/${id}/captions`, track, kino.tenant.apiKey);
  await add(tour, {
    language: 'en',
    kind: 'captions',
    default: true,
    content: srt([
      [0.5, 3.5, 'Welcome to the new dashboard.'],
      [4, 7, 'Reports now load in under a second.'],
      [7.5, 11, 'Export any report as a spreadsheet.'],
    ]),
  });
  await add(tour, {
    language: 'de',
    content: srt([
      [0.5, 3.5, 'Willkommen im neuen Dashboard.'],
      [4, 7, 'Berichte laden jetzt in unter einer Sekunde.'],
      [7.5, 11, 'Jeder Bericht lässt sich als Tabelle exportieren.'],
    ]),
  });
  await add(onboarding, {
    language: 'en',
    content: srt([
      [2, 6, 'On your first day, open the dashboard and pick a team.'],
      [6.5, 10, 'Your reports live under Insights.'],
    ]),
  });
}

async function fill(kino: ConsoleKino) {
  const key = kino.tenant.apiKey;
  const clip = await generate({ width: 1280, height: 720, durationSec: 12 });
  const uploads = [
    { title: 'Product tour', visibility: 'public' },
    { title: 'Quarterly all-hands', visibility: 'private' },
    { title: 'Onboarding: first week', visibility: 'public' },
  ];
  const ids: string[] = [];
  for (const meta of uploads) {
    const { mediaId } = await tusUpload(kino.kino.baseUrl, key, clip, { filename: 'clip.mp4', ...meta });
    ids.push(mediaId);
  }
  for (const id of ids) await waitForPlayable(kino, id, { ready: true, timeoutMs: 120_000 });
  await addCaptions(kino, ids[0] ?? '', ids[2] ?? '');
  await kino.api(
    'PATCH',
    `/v1/media/${ids[0] ?? ''}`,
    {
      description: 'A five-minute walk through the new dashboard.',
      tags: ['product', 'launch'],
    },
    key,
  );
  await kino.api('POST', '/v1/media', { title: 'Customer interview (waiting for upload)' }, key);
  await kino.api('POST', '/v1/keys', { name: 'CI uploader', scope: 'upload' }, key);
  await kino.api(
    'POST',
    '/v1/webhooks',
    { url: 'https://hooks.example.com/kino', events: ['media.ready'] },
    key,
  );
  return ids;
}

async function shoot(page: WatchedPage, name: string, viewport: string) {
  // Let fonts, posters and transitions settle.
  await page.page.waitForTimeout(400);
  const file = await page.screenshot(path.join(OUT, `${name}-${viewport}.png`));
  process.stdout.write(`${path.relative(REPO_ROOT, file)}\n`);
}

/**
 * The library finding media by what is said in them, the media page's search with a hit followed
 * (the player shows that cue), and the captions panel.
 */
async function captionShots(page: WatchedPage, base: string, mediaId: string, viewport: string) {
  await page.page.goto(`${base}/library`);
  await page.page.getByLabel('Search', { exact: true }).fill('dashboard');
  await waitUntilTrue(page.page, `document.querySelectorAll('.card-hint').length >= 2`);
  await waitUntilTrue(page.page, '[...document.images].every((img) => img.complete)');
  await shoot(page, 'library-search', viewport);

  await page.page.goto(`${base}/media/${mediaId}`);
  await page.page.locator('kino-player video').waitFor();
  await page.page.getByLabel('Search in this video').fill('report');
  await page.page.getByRole('button', { name: /^0:07/ }).click();
  await waitUntilTrue(
    page.page,
    `(() => { const v = document.querySelector('kino-player video');
      const t = Array.from(v.textTracks).find((t) => t.mode === 'showing');
      return !v.seeking && v.readyState >= 2 && t && t.activeCues && t.activeCues.length > 0; })()`,
  );
  await page.page.evaluate('window.scrollTo(0, 0)');
  await shoot(page, 'media-search', viewport);

  await page.page.evaluate(
    `window.scrollTo(0, document.getElementById('captions-heading').getBoundingClientRect().top + window.scrollY - 80)`,
  );
  await shoot(page, 'media-captions', viewport);
}

/** The operator's health page of a Kino running without a worker: the red banner. */
async function noWorkerShots(browser: Browser) {
  const kino = await startConsoleKino({ KINO_ROLES: 'api' });
  try {
    for (const { name, viewport } of VIEWPORTS) {
      const page = await openPage(browser, `${kino.kino.baseUrl}/login`, { viewport });
      await logIn(page.page, kino.kino.baseUrl, kino.operator, kino.password);
      await page.page.locator('.banner-alarm').waitFor();
      await page.page.getByRole('heading', { name: 'Workers' }).waitFor();
      await shoot(page, 'operator-no-worker', name);
      await page.close();
    }
  } finally {
    await kino.stop();
  }
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const launching = launchChromium();
  const kino = await startConsoleKino();
  let browser: Browser | undefined;
  try {
    const [first] = await fill(kino);
    browser = await launching;
    const base = kino.kino.baseUrl;
    for (const { name, viewport } of VIEWPORTS) {
      const page = await openPage(browser, `${base}/login`, { viewport });
      await shoot(page, 'login', name);
      await logIn(page.page, base, kino.admin, kino.password);
      await page.page.getByRole('link', { name: 'Product tour' }).waitFor();
      await waitUntilTrue(page.page, '[...document.images].every((img) => img.complete)');
      await shoot(page, 'library', name);
      await page.page.goto(`${base}/upload`);
      await page.page.locator('.uppy-Dashboard').waitFor();
      await shoot(page, 'upload', name);
      await page.page.goto(`${base}/media/${first ?? ''}`);
      await page.page.locator('kino-player video').waitFor();
      await page.page.evaluate(`document.querySelector('kino-player video').play()`);
      await waitUntilTrue(page.page, `document.querySelector('kino-player video').currentTime > 1.5`);
      // The pointer over the seek bar shows the controls and a storyboard preview.
      const seek = await page.page.locator('kino-player media-time-range').boundingBox();
      if (seek) await page.page.mouse.move(seek.x + seek.width * 0.65, seek.y + seek.height / 2);
      await shoot(page, 'media-playing', name);
      await captionShots(page, base, first ?? '', name);
      await page.page.goto(`${base}/settings/webhooks`);
      await page.page.getByText('hooks.example.com').first().waitFor();
      await shoot(page, 'settings', name);
      await page.page.context().clearCookies();
      await logIn(page.page, base, kino.operator, kino.password);
      await page.page.goto(`${base}/operator/jobs`);
      await page.page.locator('table tbody tr').first().waitFor();
      await shoot(page, 'operator-jobs', name);
      await page.page.goto(`${base}/operator/health`);
      await page.page.getByRole('heading', { name: 'Workers' }).waitFor();
      await shoot(page, 'operator-health', name);
      if (page.errors.length > 0) process.stderr.write(`page errors: ${page.errors.join('\n')}\n`);
      await page.close();
    }
    await noWorkerShots(browser);
  } finally {
    await (browser ?? (await launching.catch(() => undefined)))?.close();
    await kino.stop();
  }
}

await main();
