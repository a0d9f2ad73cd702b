import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusUpload } from '../media-upload.ts';
import {
  logIn,
  startConsoleKino,
  waitForPlayable,
  waitUntilTrue,
  type ConsoleKino,
} from './console-fixture.ts';

/** The track's cues; the clip is 10 s long. */
const CUES = [
  { start: 1, end: 3, text: 'Welcome to the lecture' },
  { start: 4, end: 6.5, text: 'Pelicans fly over the harbour' },
  { start: 7, end: 9.5, text: 'Thank you for watching' },
];
const stamp = (s: number) =>
  `00:00:${String(Math.floor(s)).padStart(2, '0')},${String(Math.round((s % 1) * 1000)).padStart(3, '0')}`;
const SRT = CUES.map((c, i) => `${i + 1}\n${stamp(c.start)} --> ${stamp(c.end)}\n${c.text}\n`).join('\n');
/** Line 6 lacks its arrow. */
const BROKEN_SRT = '1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 00:00:04,000\nWorld\n';
const LABEL = 'English (lecture)';

function cueAt(index: number) {
  const cue = CUES[index];
  if (!cue) throw new Error(`no cue ${index}`);
  return cue;
}

/** What the page says about the player's <video>: its text tracks and the cues showing now. */
interface TrackState {
  currentTime: number;
  seeking: boolean;
  tracks: { kind: string; label: string; language: string; mode: string; cues: number }[];
  active: { text: string; start: number; end: number }[];
}

const trackState = (page: Page) =>
  page.evaluate<TrackState>(`(() => {
    const video = document.querySelector('kino-player video');
    const tracks = Array.from(video.textTracks).filter((t) => t.kind === 'captions' || t.kind === 'subtitles');
    const showing = tracks.find((t) => t.mode === 'showing');
    return {
      currentTime: video.currentTime,
      seeking: video.seeking,
      tracks: tracks.map((t) => ({ kind: t.kind, label: t.label, language: t.language, mode: t.mode, cues: t.cues ? t.cues.length : 0 })),
      active: showing && showing.activeCues
        ? Array.from(showing.activeCues).map((c) => ({ text: c.text, start: c.startTime, end: c.endTime }))
        : [],
    };
  })()`);

describe('captions in the console: add a track, turn it on, search what is said', () => {
  let kino: ConsoleKino | undefined;
  let launching: Promise<Browser> | undefined;
  let browser: Browser | undefined;
  let watched: WatchedPage | undefined;
  let mediaId = '';

  beforeAll(async () => {
    launching = launchChromium();
    const clip = generate({ width: 640, height: 360, durationSec: 10 });
    kino = await startConsoleKino();
    ({ mediaId } = await tusUpload(kino.kino.baseUrl, kino.tenant.apiKey, await clip, {
      filename: 'lecture.mp4',
      title: 'Harbour lecture',
    }));
    await waitForPlayable(kino, mediaId, { ready: true, timeoutMs: 90_000 });
    browser = await launching;
  }, 150_000);

  afterAll(async () => {
    const steps = [() => watched?.close(), async () => (await launching)?.close(), () => kino?.stop()];
    for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
  });

  it('uploads an SRT, lists it, offers it in the CC menu, shows its cue at t, and a search hit seeks there', async () => {
    if (!kino || !browser) throw new Error('not started');
    watched = await openPage(browser, `${kino.kino.baseUrl}/login`, {
      viewport: { width: 1280, height: 900 },
    });
    const { page } = watched;
    await logIn(page, kino.kino.baseUrl, kino.admin, kino.password);
    await page.goto(`${kino.kino.baseUrl}/media/${mediaId}`);
    await page.locator('kino-player video').waitFor();
    // No tracks yet: no captions button.
    expect(await page.locator('kino-player media-captions-menu-button').isVisible()).toBe(false);

    await page.locator('#caption-file').setInputFiles({
      name: 'lecture.en.srt',
      mimeType: 'application/x-subrip',
      buffer: Buffer.from(SRT),
    });
    // The language comes from the file name.
    expect(await page.getByLabel('Language').first().inputValue()).toBe('en');
    await page.locator('#caption-new-label').fill(LABEL);
    await page.locator('#caption-new-kind').selectOption('captions');
    await page.getByRole('button', { name: 'Add track' }).click();
    const row = page
      .getByRole('list', { name: 'Caption tracks' })
      .getByRole('listitem')
      .filter({ hasText: LABEL });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/en.*Captions · Uploaded · 3 cues/);

    // The player loaded its playlists again: the CC button offers the track, off by default.
    const ccButton = page.locator('kino-player media-captions-menu-button');
    await ccButton.waitFor({ state: 'visible', timeout: 15_000 });
    await ccButton.click();
    const item = page.locator('kino-player media-captions-menu').getByRole('menuitemradio', { name: LABEL });
    await item.waitFor();
    await item.click();
    await waitUntilTrue(
      page,
      `(() => { const t = Array.from(document.querySelector('kino-player video').textTracks).find((t) => t.mode === 'showing');
        return t && t.cues && t.cues.length === ${CUES.length}; })()`,
    );
    const shown = await trackState(page);
    expect(shown.tracks.filter((t) => t.mode === 'showing')).toEqual([
      { kind: 'captions', label: LABEL, language: 'en', mode: 'showing', cues: CUES.length },
    ]);

    // The cue showing at t is the file's cue at t.
    const cue = cueAt(0);
    const t = (cue.start + cue.end) / 2;
    await page.evaluate(`document.querySelector('kino-player video').currentTime = ${t}`);
    await waitUntilTrue(
      page,
      `(() => { const v = document.querySelector('kino-player video'); const s = Array.from(v.textTracks).find((t) => t.mode === 'showing');
        return !v.seeking && Math.abs(v.currentTime - ${t}) < 0.05 && s.activeCues.length > 0 &&
          Array.from(s.activeCues).every((c) => c.startTime <= v.currentTime && v.currentTime < c.endTime); })()`,
    );
    const atT = await trackState(page);
    expect(atT.active.map((c) => c.text)).toEqual([cue.text]);
    expect(atT.active[0]?.start).toBeCloseTo(cue.start, 1);

    // Search a word said at 0:04 and follow the hit.
    const said = cueAt(1);
    await page.getByLabel('Search in this video').fill('pelican');
    const hit = page.getByRole('button', { name: /^0:04\s*Pelicans fly/ });
    await hit.waitFor();
    await hit.click();
    await waitUntilTrue(
      page,
      `(() => { const v = document.querySelector('kino-player video');
        return !v.seeking && Math.abs(v.currentTime - ${said.start}) < 0.5; })()`,
    );
    const atHit = await trackState(page);
    expect(Math.abs(atHit.currentTime - said.start)).toBeLessThan(0.5);
    await waitUntilTrue(
      page,
      `(() => { const s = Array.from(document.querySelector('kino-player video').textTracks).find((t) => t.mode === 'showing');
        return s.activeCues.length > 0 && s.activeCues[0].text === ${JSON.stringify(said.text)}; })()`,
    );
    await watched.screenshot('console-captions-hit.png');

    // The download is the normalised WebVTT.
    const href = await row.getByRole('link', { name: /Download/ }).getAttribute('href');
    const vtt = await page.evaluate<string>(`fetch(${JSON.stringify(href)}).then((r) => r.text())`);
    expect(vtt).toMatch(/^WEBVTT\n[\s\S]*00:00:04\.000 --> 00:00:06\.500\nPelicans fly over the harbour/);
    // The sign-in page asks for the session first: a 401 there means "not signed in yet".
    expect(watched.errors.filter((e) => !e.includes('401 (Unauthorized)'))).toEqual([]);
  }, 60_000);

  it('shows the line of a malformed SRT next to the form', async () => {
    if (!watched) throw new Error('no page');
    const { page } = watched;
    await page.locator('#caption-file').setInputFiles({
      name: 'broken.en.srt',
      mimeType: 'application/x-subrip',
      buffer: Buffer.from(BROKEN_SRT),
    });
    await page.getByRole('button', { name: 'Add track' }).click();
    const error = page.locator('.caption-form [role=alert]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^Not added: line 6: expected a timing line/);
    // Nothing was added.
    expect(await page.getByRole('list', { name: 'Caption tracks' }).getByRole('listitem').count()).toBe(1);
  });

  it('replaces the file and makes the track the default, which a new page turns on by itself', async () => {
    if (!watched || !kino) throw new Error('no page');
    const { page } = watched;
    const row = page
      .getByRole('list', { name: 'Caption tracks' })
      .getByRole('listitem')
      .filter({ hasText: LABEL });
    await row.getByRole('button', { name: /Edit/ }).click();
    const form = page.getByRole('form', { name: `Edit ${LABEL}` });
    await form.getByLabel('Replace the file').setInputFiles({
      name: 'lecture.en.vtt',
      mimeType: 'text/vtt',
      buffer: Buffer.from('WEBVTT\n\n00:00:02.000 --> 00:00:05.000\nA replaced cue\n'),
    });
    await form.getByLabel('On by default').check();
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    await waitUntilTrue(
      page,
      `/Default\\s*Captions · Uploaded · 1 cue /.test(document.querySelector('ul[aria-label="Caption tracks"] li').textContent)`,
    );

    // DEFAULT=YES in the master playlist: hls.js shows the track without anyone choosing it.
    await page.reload();
    await page.locator('kino-player video').waitFor();
    await waitUntilTrue(
      page,
      `(() => { const t = Array.from(document.querySelector('kino-player video').textTracks).find((t) => t.mode === 'showing');
        return t && t.label === ${JSON.stringify(LABEL)} && t.cues && t.cues.length === 1; })()`,
    );
  });

  it('deletes the track: the list empties and the player has no captions button', async () => {
    if (!watched) throw new Error('no page');
    const { page } = watched;
    const row = page
      .getByRole('list', { name: 'Caption tracks' })
      .getByRole('listitem')
      .filter({ hasText: LABEL });
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No caption tracks yet.').waitFor();
    await waitUntilTrue(
      page,
      `(() => { const v = document.querySelector('kino-player video');
        return v && v.readyState >= 1 && !Array.from(v.textTracks).some((t) => t.kind === 'captions' || t.kind === 'subtitles'); })()`,
    );
    await page.locator('kino-player media-captions-menu-button').waitFor({ state: 'hidden' });
  });
});
