import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import { SAMPLE_CATALOGUE, sample, type SampleName } from '@kino/testkit/media';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaJson } from '../../src/media/media.schemas.ts';
import { startKinoProcess, type KinoProcess } from '../e2e/kino-process.ts';
import { tusUpload } from '../media-upload.ts';
import { streamStarts } from '../media-tools.ts';
import { startTestPageServer, type TestPageServer } from './test-page-server.ts';

/**
 * A copied and an encoded video (both with B-frames and AAC priming), and a source whose sound
 * starts half a second after its picture: browsers place each rendition by its own timestamps and
 * edit list, so this is where a shifted rendition shows.
 */
const SAMPLES = ['h264-aac-720p', 'hevc-8bit', 'audio-late'] as const satisfies readonly SampleName[];
const PADDED: ReadonlySet<SampleName> = new Set(['audio-late']);

/** Where hls.js's first appends put the picture and the sound on the video element's timeline. */
type BufferedStarts = { video: number; audio: number } | { error: string };

/** Runs in the page: a fresh hls.js (the page's global Hls) reports its first buffered ranges. */
const firstBufferedStarts = (src: string) => `new Promise((resolve) => {
  const hls = new Hls();
  const starts = {};
  const done = (value) => { hls.destroy(); resolve(value); };
  hls.on(Hls.Events.BUFFER_APPENDED, (_event, data) => {
    for (const [kind, ranges] of Object.entries(data.timeRanges || {})) {
      if (ranges && ranges.length && starts[kind] === undefined) starts[kind] = ranges.start(0);
    }
    if (starts.video !== undefined && starts.audio !== undefined) done(starts);
  });
  hls.on(Hls.Events.ERROR, (_event, data) => { if (data.fatal) done({ error: data.details }); });
  setTimeout(() => done({ error: 'nothing buffered in 20 s: ' + JSON.stringify(starts) }), 20000);
  hls.loadSource(${JSON.stringify(src)});
  hls.attachMedia(document.getElementById('video'));
})`;

async function waitUntilReady(kino: KinoProcess, key: string, id: string): Promise<MediaJson> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${kino.baseUrl}/v1/media/${id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const media = (await res.json()) as MediaJson;
    if (media.status === 'ready') return media;
    if (media.status === 'errored' || Date.now() > deadline) {
      throw new Error(`media ${id} is ${media.status}: ${JSON.stringify(media.error)}\n${kino.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('picture and sound start together in Chromium, as in the source (hls.js over MSE)', () => {
  let kino: KinoProcess | undefined;
  let launching: Promise<Browser> | undefined;
  let pageServer: TestPageServer | undefined;
  const pages: WatchedPage[] = [];
  const masterOf = new Map<SampleName, string>();

  beforeAll(async () => {
    launching = launchChromium();
    kino = await startKinoProcess();
    pageServer = await startTestPageServer();
    const created = await fetch(`${kino.baseUrl}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kino.operatorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'alignment' }),
    });
    const { apiKey } = (await created.json()) as { apiKey: string };
    for (const name of SAMPLES) {
      const { mediaId } = await tusUpload(kino.baseUrl, apiKey, await sample(name), {
        filename: `${name}.mp4`,
        title: name,
      });
      const media = await waitUntilReady(kino, apiKey, mediaId);
      masterOf.set(name, media.playback!.hls);
    }
  }, 240_000);

  afterAll(async () => {
    const steps = [
      ...pages.map((p) => () => p.close()),
      async () => (await launching)?.close(),
      () => pageServer?.stop(),
      () => kino?.stop(),
    ];
    for (const step of steps) await Promise.resolve(step()).catch(() => undefined);
  });

  it.each(SAMPLES)('%s', { timeout: 60_000 }, async (name) => {
    const browser = await launching!;
    const page = await openPage(browser, `${pageServer!.origin}/`);
    pages.push(page);
    const played = await page.page.evaluate<BufferedStarts>(firstBufferedStarts(masterOf.get(name)!));
    if ('error' in played)
      throw new Error(`${name}: ${played.error}; page errors: ${page.errors.join('; ')}`);
    // Sound that starts after the picture is padded with silence to start with it (its content
    // stays where it was: see real-world-sources.test.ts); otherwise the two start as in the source.
    const source = await streamStarts(await sample(name));
    const expected = PADDED.has(name) ? 0 : source.video! - source.audio!;
    const drift = played.video - played.audio - expected;
    expect(
      Math.abs(drift),
      `${name}: picture at ${played.video.toFixed(3)} s, sound at ${played.audio.toFixed(3)} s`,
    ).toBeLessThan(1 / SAMPLE_CATALOGUE[name].facts.fps!);
  });
});
