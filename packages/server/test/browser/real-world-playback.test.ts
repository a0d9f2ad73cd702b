import { launchChromium, openPage, type WatchedPage } from '@kino/testkit/browser';
import {
  COLOUR_GRID,
  gridCellCentre,
  sourceFixture,
  type SourceFixtureName,
} from '@kino/testkit/source-fixtures';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaJson } from '../../src/media/media.schemas.ts';
import { startKinoProcess, type KinoProcess } from '../e2e/kino-process.ts';
import { tusUpload } from '../media-upload.ts';
import { parseHls } from '../stream-parsers.ts';
import { startTestPageServer, type TestPageServer } from './test-page-server.ts';

/** Real-world sources as Chromium plays them through hls.js (Media Source Extensions). */
const FIXTURES = [
  'hlg-hevc-rotated',
  'sdr-colour-grid',
  'silent-english-tone-french',
  'vfr-flash-beep',
] as const satisfies readonly SourceFixtureName[];

async function waitUntilReady(kino: KinoProcess, key: string, id: string): Promise<MediaJson> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const res = await fetch(`${kino.baseUrl}/v1/media/${id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const media = (await res.json()) as MediaJson;
    if (media.status === 'ready') return media;
    if (media.status === 'errored' || Date.now() > deadline) {
      throw new Error(`media ${id} is ${media.status}: ${JSON.stringify(media.error)}\n${kino.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Runs in the page: plays `src` with a fresh hls.js, unmuted (the browser runs with its output
 * muted) through a Web Audio analyser, and reports when `until` says so: the picture's size and
 * the RGB of a paused frame at `points`, the audio tracks hls.js lists and the one it picked, how
 * loud the sound is, and whether the element reached `ended`.
 */
const playInPage = (src: string, opts: { points?: { x: number; y: number }[]; toEnd?: boolean }) => `
new Promise((resolve) => {
  const video = document.getElementById('video');
  const hls = new Hls();
  const report = { errors: [] };
  const done = (extra) => { hls.destroy(); resolve({ ...report, ...extra }); };
  hls.on(Hls.Events.ERROR, (_e, data) => {
    report.errors.push(data.details);
    if (data.fatal) done({ fatal: data.details });
  });
  const audioContext = new AudioContext();
  const analyser = audioContext.createAnalyser();
  audioContext.createMediaElementSource(video).connect(analyser);
  analyser.connect(audioContext.destination);
  const samples = new Float32Array(analyser.fftSize);
  let loudest = 0;
  const listen = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    loudest = Math.max(loudest, Math.sqrt(sum / samples.length));
  }, 50);
  const finish = () => {
    clearInterval(listen);
    const tracks = hls.audioTracks.map((t) => ({ lang: t.lang, name: t.name, default: t.default }));
    const frame = { width: video.videoWidth, height: video.videoHeight, rgb: [] };
    const points = ${JSON.stringify(opts.points ?? [])};
    if (points.length) {
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const context = canvas.getContext('2d');
      context.drawImage(video, 0, 0);
      // Left in the page, so that a screenshot shows the decoded frame as the browser drew it.
      canvas.id = 'frame';
      document.body.appendChild(canvas);
      for (const p of points) frame.rgb.push([...context.getImageData(p.x, p.y, 1, 1).data.slice(0, 3)]);
    }
    done({ tracks, selected: hls.audioTrack, frame, rms: loudest, ended: video.ended, currentTime: video.currentTime });
  };
  video.muted = false;
  video.addEventListener('timeupdate', () => {
    if (${opts.toEnd ? 'false' : 'video.currentTime > 1.2'}) { video.pause(); finish(); }
  });
  video.addEventListener('ended', finish);
  setTimeout(() => done({ fatal: 'timed out at ' + video.currentTime }), 30000);
  hls.on(Hls.Events.MANIFEST_PARSED, () => { audioContext.resume(); video.play(); });
  hls.loadSource(${JSON.stringify(src)});
  hls.attachMedia(video);
})`;

interface Played {
  errors: string[];
  fatal?: string;
  tracks: { lang: string; name: string; default: boolean }[];
  selected: number;
  frame: { width: number; height: number; rgb: number[][] };
  rms: number;
  ended: boolean;
  currentTime: number;
}

describe('real-world sources in Chromium (hls.js over MSE)', () => {
  let kino: KinoProcess | undefined;
  let launching: Promise<Browser> | undefined;
  let pageServer: TestPageServer | undefined;
  const pages: WatchedPage[] = [];
  const masterOf = new Map<SourceFixtureName, string>();

  async function play(name: SourceFixtureName, opts: Parameters<typeof playInPage>[1]) {
    const page = await openPage(await launching!, `${pageServer!.origin}/`, {
      viewport: { width: 700, height: 1100 },
    });
    pages.push(page);
    const played = await page.page.evaluate<Played>(playInPage(masterOf.get(name)!, opts));
    if (played.fatal) throw new Error(`${name}: ${played.fatal}; page errors: ${page.errors.join('; ')}`);
    return { page, played };
  }

  beforeAll(async () => {
    launching = launchChromium();
    kino = await startKinoProcess();
    pageServer = await startTestPageServer();
    const created = await fetch(`${kino.baseUrl}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kino.operatorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'real-world' }),
    });
    const { apiKey } = (await created.json()) as { apiKey: string };
    const ids = new Map<SourceFixtureName, string>();
    for (const name of FIXTURES) {
      const { mediaId } = await tusUpload(kino.baseUrl, apiKey, await sourceFixture(name), {
        filename: name,
        title: name,
      });
      ids.set(name, mediaId);
    }
    for (const [name, id] of ids) masterOf.set(name, (await waitUntilReady(kino, apiKey, id)).playback!.hls);
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

  // The reference is the same grid shot in SDR, played the same way: what is compared is Kino's
  // tone mapping, not the browser's conversion of YUV to RGB. The largest difference is in the
  // blue of pure green, whose few code values near black the BT.709 curve magnifies; it moved from
  // 6 to 9 between runs, with the frame the page happened to capture (the key frame or one
  // predicted from it), so the bound is 12. A wrong tone mapping is off by dozens.
  it(
    'shows the HLG phone clip upright, its colour bars within a few code values of the SDR reference',
    { timeout: 90_000 },
    async () => {
      const points = COLOUR_GRID.colours.map((_, i) => gridCellCentre(i));
      const hdr = await play('hlg-hevc-rotated', { points });
      await hdr.page.screenshot('real-world-hlg-rotated.png');
      const sdr = (await play('sdr-colour-grid', { points })).played.frame;
      const { frame } = hdr.played;
      expect([frame.width, frame.height]).toEqual([COLOUR_GRID.width, COLOUR_GRID.height]);
      frame.rgb.forEach((rgb, i) => {
        const reference = sdr.rgb[i]!;
        const off = Math.max(...rgb.map((v, c) => Math.abs(v - reference[c]!)));
        expect(
          off,
          `cell ${i}: ${rgb.join(',')}, the SDR reference ${reference.join(',')}`,
        ).toBeLessThanOrEqual(12);
        // Upright: every cell holds its own colour (a turned or mirrored grid moves them).
        const colour = COLOUR_GRID.colours[i]!;
        expect(Math.max(...rgb.map((v, c) => Math.abs(v - colour[c]!))), `cell ${i}`).toBeLessThanOrEqual(24);
      });
      console.log(`HLG cells ${JSON.stringify(frame.rgb)}; SDR reference ${JSON.stringify(sdr.rgb)}`);
    },
  );

  it(
    'plays the French tone by default, not the silent English track, and lists both',
    { timeout: 60_000 },
    async () => {
      const { played } = await play('silent-english-tone-french', {});
      expect(played.tracks).toEqual([
        { lang: 'fr', name: 'Français', default: true },
        { lang: 'en', name: 'English', default: false },
      ]);
      expect(played.tracks[played.selected]?.lang).toBe('fr');
      // A 880 Hz tone at full scale / 8 has an RMS near 0.09; silence is 0.
      expect(played.rms).toBeGreaterThan(0.02);
    },
  );

  it('plays the VFR source with late, broken sound through to its end', { timeout: 60_000 }, async () => {
    const { played } = await play('vfr-flash-beep', { toEnd: true });
    expect(played.ended, `stopped at ${played.currentTime}`).toBe(true);
    expect(played.errors.filter((e) => !/bufferStalled|bufferNudge|bufferSeekOver/.test(e))).toEqual([]);
  });

  it('declares CODECS that MediaSource supports, for every rung', { timeout: 60_000 }, async () => {
    const page = await openPage(await launching!, `${pageServer!.origin}/`);
    pages.push(page);
    for (const name of FIXTURES) {
      const master = parseHls(await (await fetch(masterOf.get(name)!)).text()).manifest;
      const variants = master.playlists ?? [];
      expect(variants.length).toBeGreaterThan(0);
      for (const v of variants) {
        const codecs = String(v.attributes.CODECS);
        const type = `${v.attributes.RESOLUTION ? 'video' : 'audio'}/mp4; codecs="${codecs}"`;
        const each = codecs
          .split(',')
          .map((c) => `${c.startsWith('mp4a') ? 'audio' : 'video'}/mp4; codecs="${c}"`);
        const supported = await page.page.evaluate<boolean[]>(
          `${JSON.stringify([type, ...each])}.map((t) => MediaSource.isTypeSupported(t))`,
        );
        expect(supported, `${name}: ${type}`).toEqual(supported.map(() => true));
      }
    }
  });
});
