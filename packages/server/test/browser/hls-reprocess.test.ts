import { launchChromium, openPage, waitForPlayback, type WatchedPage } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaJson } from '../../src/media/media.schemas.ts';
import { startKinoProcess, type KinoProcess } from '../e2e/kino-process.ts';
import { tusUpload } from '../media-upload.ts';
import { startTestPageServer, type TestPageServer } from './test-page-server.ts';

interface HlsError {
  type: string;
  details: string;
  fatal: boolean;
  status: number | null;
}

interface TokenJson {
  token: string;
  playback: { hls: string };
}

const DURATION_S = 16;
/** Where the player is sent after the reprocess: far past what it had loaded with a 2 s buffer. */
const SEEK_TO_S = 12;

async function api<T>(kino: KinoProcess, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${kino.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** The version a fresh session of `hlsUrl` plays: the version named in its master's child URLs. */
async function versionOf(hlsUrl: string): Promise<string> {
  const master = await (await fetch(hlsUrl)).text();
  const child = master.split('\n').find((line) => line.endsWith('.m3u8') && !line.startsWith('#')) ?? '';
  return child.split('/').at(-2) ?? '';
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * hls.js keeps playing a private media while it is reprocessed: the session the tokenized master
 * started stays on its version (its child URLs name it and carry the session's grant), whose files
 * outlive the publish of the new one. After the new version is published the player resumes and
 * seeks into a part it never loaded; every request must still succeed.
 */
describe('hls.js across a reprocess (headless Chromium)', () => {
  let kino: KinoProcess | undefined;
  let launching: Promise<Browser> | undefined;
  let pageServer: TestPageServer | undefined;
  let page: WatchedPage | undefined;
  let key = '';
  let media: MediaJson;
  let token: TokenJson;

  beforeAll(async () => {
    launching = launchChromium();
    const clip = generate({ width: 640, height: 360, durationSec: DURATION_S });
    kino = await startKinoProcess();
    pageServer = await startTestPageServer();
    const tenant = await api<{ apiKey: string }>(kino, kino.operatorKey, 'POST', '/v1/tenants', {
      name: 'reprocess',
    });
    key = tenant.apiKey;
    const { mediaId } = await tusUpload(kino.baseUrl, key, await clip, {
      filename: 'clip.mp4',
      visibility: 'private',
    });
    const running = kino;
    media = await waitFor(
      'the first version',
      async () => {
        const m = await api<MediaJson>(running, key, 'GET', `/v1/media/${mediaId}`);
        if (m.status === 'errored') throw new Error(`errored: ${JSON.stringify(m.error)}`);
        return m.status === 'ready' ? m : undefined;
      },
      60_000,
    );
    token = await api<TokenJson>(kino, key, 'POST', `/v1/media/${mediaId}/playback-tokens`, {
      expiresInSeconds: 600,
    });
  }, 120_000);

  afterAll(async () => {
    const steps = [
      () => page?.close(),
      async () => (await launching)?.close(),
      () => pageServer?.stop(),
      () => kino?.stop(),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
  });

  it('resumes, seeks into an unloaded part after the new version is published: no fatal error, no 4xx', async () => {
    if (!kino || !pageServer || !launching) throw new Error('setup did not finish');
    const running = kino;
    page = await openPage(await launching, `${pageServer.origin}/`);
    const watched = page;
    const failed: string[] = [];
    const segments: { at: number; url: string }[] = [];
    watched.page.on('response', (response: Response) => {
      const url = response.url();
      if (url.endsWith('/favicon.ico')) return;
      if (response.status() >= 400) failed.push(`${response.status()} ${url}`);
      if (url.startsWith(running.baseUrl) && !url.endsWith('.m3u8')) segments.push({ at: Date.now(), url });
    });
    watched.page.on('requestfailed', (request) => failed.push(`failed ${request.url()}`));
    const hls = () =>
      watched.page.evaluate<{ errors: HlsError[]; fatal: HlsError | null }>('window.kinoHls.state()');
    const explain = async () =>
      `hls.js: ${JSON.stringify(await hls())}\nfailed: ${failed.join('\n')}\n` +
      `page errors: ${JSON.stringify(watched.errors)}\n--- kino ---\n${running.output().slice(-3000)}`;

    // A short buffer, so most of the media is not loaded while the player waits.
    await watched.page.evaluate(
      `window.kinoHls.load(${JSON.stringify(token.playback.hls)}, { maxBufferLength: 2, maxMaxBufferLength: 4 })`,
    );
    expect(await watched.page.evaluate<string>('window.kinoHls.play()')).toBe('playing');
    await waitForPlayback(watched.page, { seconds: 1, explain });
    await watched.page.evaluate(`document.querySelector('video').pause()`);
    const before = await versionOf(token.playback.hls);
    expect(before).toMatch(/^job_/);

    // Reprocess and wait for the new version to be what a fresh session plays.
    await api(running, key, 'POST', `/v1/media/${media.id}/reprocess`);
    const published = await waitFor(
      'the new version',
      async () => {
        const now = await versionOf(token.playback.hls);
        return now !== before && now !== '' ? now : undefined;
      },
      180_000,
    );
    const publishedAt = Date.now();
    const buffered = await watched.page.evaluate<number>(
      `(() => { const b = document.querySelector('video').buffered; return b.length ? b.end(b.length - 1) : 0; })()`,
    );
    expect(buffered).toBeLessThan(SEEK_TO_S);

    // The player goes on, then jumps to a part it never loaded.
    expect(await watched.page.evaluate<string>('window.kinoHls.play()')).toBe('playing');
    await waitForPlayback(watched.page, { seconds: 2, explain });
    await watched.page.evaluate(`document.querySelector('video').currentTime = ${SEEK_TO_S}`);
    const after = await waitForPlayback(watched.page, {
      seconds: SEEK_TO_S + 1.5,
      explain,
      timeoutMs: 60_000,
    });
    expect(after.errorCode).toBeNull();

    const state = await hls();
    expect(state.fatal, await explain()).toBeNull();
    // hls.js reports its own cancellations (a seek or a level switch while a load is under way) as
    // non-fatal `aborted` network errors; those are not failures of delivery.
    expect(state.errors.filter((e) => e.type === 'networkError' && e.details !== 'aborted')).toEqual([]);
    expect(failed).toEqual([]);
    // What it loaded after the publish came from the version its session started on.
    const late = segments.filter((s) => s.at > publishedAt).map((s) => s.url);
    expect(late.length).toBeGreaterThan(0);
    for (const url of late) {
      expect(url).toContain(`/${before}/`);
      expect(url).not.toContain(published);
      expect(url).not.toContain(token.token);
    }
    expect(watched.errors).toEqual([]);
  }, 330_000);
});
