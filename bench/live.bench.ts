// Live streaming: glass-to-glass latency per latency mode (the publisher's wall clock against
// hls.js's playingDate in Chromium), beside the same stream packaged by raw ffmpeg's HLS muxer in
// the same run, and the time from a broadcast's end to VOD playable and to ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { launchChromium } from '../packages/testkit/src/browser.ts';
import { startTestPageServer } from '../packages/server/test/browser/test-page-server.ts';
import type { BenchContext, BenchReport } from './lib/harness.ts';
import { startLiveKino } from './lib/live-kino.ts';
import { tempDir } from './lib/processes.ts';

/** BENCH_LIVE_SAMPLE_S: seconds of latency samples per player (after a 12 s warm-up). */
const SAMPLE_S = Number(process.env.BENCH_LIVE_SAMPLE_S ?? 20);
const WARMUP_S = 12;

const MODES = [
  { latency: 'standard' as const, segment: 4, gop: 60, target: 10 },
  { latency: 'low' as const, segment: 1, gop: 30, target: 3 },
];

/** An OBS-shaped encoder (H.264 with a fixed keyframe interval, AAC) sending in real time. */
function encoderArgs(gop: number): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=30',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-b:v',
    '2500k',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ar',
    '48000',
  ];
}

function startFfmpeg(args: string[]): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  return { child, exited };
}

/** Serves a folder with CORS (the raw ffmpeg baseline's playlists and segments). */
async function staticServer(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('cache-control', 'no-cache');
    const file = join(root, path);
    if (!file.startsWith(root)) return void res.writeHead(404).end();
    const stream = createReadStream(file);
    stream.once('error', () => res.writeHead(404).end());
    stream.once('open', () => {
      res.writeHead(200, {
        'content-type': file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp4',
      });
      stream.pipe(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) =>
        server.close(() => {
          r();
        }),
      ),
  };
}

async function waitFor<T>(ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

export default async function live(ctx: BenchContext): Promise<BenchReport> {
  const { scope } = ctx;
  const log = (line: string) => {
    ctx.log(line);
  };
  const data = scope.track(await tempDir('kino-bench-live'));
  const live = await startLiveKino(ctx, data.path);
  const kino = live.server;
  const pages = await startTestPageServer();
  const browser = await launchChromium();

  /** Plays `url` in hls.js (default configuration) and samples now − playingDate. */
  const measure = async (url: string): Promise<number[]> => {
    const page = await browser.newPage();
    try {
      await page.goto(`${pages.origin}/`);
      await page.evaluate(`window.kinoHls.load(${JSON.stringify(url)})`);
      await page.evaluate('window.kinoHls.play()');
      await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
      const samples: number[] = [];
      for (let i = 0; i < SAMPLE_S * 2; i++) {
        const date = await page.evaluate<number | null>('window.kinoHls.state().playingDate');
        if (date) samples.push((Date.now() - date) / 1000);
        await new Promise((r) => setTimeout(r, 500));
      }
      return samples;
    } finally {
      await page.close();
    }
  };

  const rows: string[][] = [];
  const ends: string[][] = [];
  const ended: { mode: string; media: string; left: number; vod: number }[] = [];
  try {
    for (const mode of MODES) {
      // Kino: the encoder publishes over RTMP; hls.js plays /play/live/{id}/master.m3u8.
      const stream = await live.api<{ id: string; ingest: { rtmpUrl: string } }>('POST', '/v1/live-streams', {
        title: `bench ${mode.latency}`,
        latency: mode.latency,
        reconnectWindowSeconds: 5,
      });
      const publisher = startFfmpeg([...encoderArgs(mode.gop), '-f', 'flv', stream.ingest.rtmpUrl]);
      const master = `${kino.url}/play/live/${stream.id}/master.m3u8`;
      await waitFor(30_000, async () => ((await fetch(master)).ok ? true : undefined));
      log(`live ${mode.latency}: Kino`);
      const kinoSamples = await measure(master);
      const media = (await live.api<{ activeMediaId: string }>('GET', `/v1/live-streams/${stream.id}`))
        .activeMediaId;
      publisher.child.kill('SIGKILL');
      await publisher.exited;
      const left = Date.now();
      await waitFor(60_000, async () => {
        const text = await (await fetch(`${kino.url}/play/${media}/live/video.m3u8`)).text();
        return text.includes('#EXT-X-ENDLIST') ? true : undefined;
      });
      const vod = (Date.now() - left) / 1000;
      ended.push({ mode: mode.latency, media, left, vod });

      // Kino again, the encoder publishing MPEG-TS over SRT (through the SRT front and its remuxer).
      const srtStream = await live.api<{ id: string; ingest: { srtUrl: string } }>(
        'POST',
        '/v1/live-streams',
        {
          title: `bench ${mode.latency} srt`,
          latency: mode.latency,
          reconnectWindowSeconds: 0,
          record: false,
        },
      );
      const srtPublisher = startFfmpeg([...encoderArgs(mode.gop), '-f', 'mpegts', srtStream.ingest.srtUrl]);
      const srtMaster = `${kino.url}/play/live/${srtStream.id}/master.m3u8`;
      await waitFor(30_000, async () => ((await fetch(srtMaster)).ok ? true : undefined));
      log(`live ${mode.latency}: Kino over SRT`);
      const srtSamples = await measure(srtMaster);
      srtPublisher.child.kill('SIGKILL');
      await srtPublisher.exited;

      // Raw ffmpeg: the same encoder into ffmpeg's HLS muxer (PROGRAM-DATE-TIME from its clock).
      const dir = join(data.path, `raw-${mode.latency}`);
      await mkdir(dir, { recursive: true });
      const files = await staticServer(dir);
      const raw = startFfmpeg([
        ...encoderArgs(mode.gop),
        '-f',
        'hls',
        '-hls_time',
        String(mode.segment),
        '-hls_list_size',
        '10',
        '-hls_segment_type',
        'fmp4',
        '-hls_flags',
        'program_date_time+delete_segments+independent_segments+temp_file',
        join(dir, 'index.m3u8'),
      ]);
      await waitFor(30_000, async () => ((await fetch(`${files.url}/index.m3u8`)).ok ? true : undefined));
      log(`live ${mode.latency}: raw ffmpeg`);
      const rawSamples = await measure(`${files.url}/index.m3u8`);
      raw.child.kill('SIGKILL');
      await raw.exited;
      await files.close();
      for (const [who, s] of [
        ['Kino', kinoSamples],
        ['Kino, SRT in', srtSamples],
        ['raw ffmpeg HLS muxer', rawSamples],
      ] as const) {
        rows.push([
          mode.latency,
          who,
          `${mode.segment} s / ${mode.gop / 30} s`,
          quantile(s, 0.5).toFixed(2),
          quantile(s, 0.95).toFixed(2),
          who === 'raw ffmpeg HLS muxer' ? '' : `≤ ${mode.target}`,
          String(s.length),
        ]);
      }
    }
    // The recordings' processing runs while the next mode is measured; ready is read at the end.
    for (const e of ended) {
      await waitFor(1_800_000, async () => {
        const m = await live.api<{ status: string; updatedAt: string }>('GET', `/v1/media/${e.media}`);
        return m.status === 'ready' ? Date.parse(m.updatedAt) : undefined;
      }).then((readyAt) => {
        ends.push([
          e.mode,
          '5',
          e.vod.toFixed(1),
          (e.vod - 5).toFixed(1),
          ((readyAt - e.left) / 1000).toFixed(1),
        ]);
      });
    }
  } finally {
    await browser.close();
    await pages.stop();
  }
  return {
    title: 'Live streaming: latency, and from the end of a broadcast to VOD',
    intro: [
      "One 720p30 H.264/AAC encoder shaped like OBS (x264 veryfast zerolatency, fixed keyframe interval, 2.5 Mbit/s) publishes over RTMP (and, in the SRT rows, MPEG-TS over SRT to `ingest.srtUrl`) to a real Kino process (SQLite, local disk; all roles). Latency is `Date.now()` against hls.js `playingDate` (from `EXT-X-PROGRAM-DATE-TIME`, the time Kino received each segment's first frame) in Debian's Chromium, hls.js in its default configuration, sampled every 0.5 s for " +
        `${SAMPLE_S} s after a ${WARMUP_S} s warm-up. The baseline is the same encoder into ffmpeg's own HLS muxer (\`program_date_time\`), served as static files, in the same run.`,
    ],
    columns: [
      'mode',
      'packaged by',
      'segment / keyframes',
      'latency p50 (s)',
      'p95 (s)',
      'target (s)',
      'samples',
    ],
    rows,
    notes: [
      'From the end of a broadcast (publisher killed, reconnect window 5 s) to the VOD playlist (ENDLIST) and to `ready` (the recording joined without re-encoding, then the usual processing):',
      '',
      [
        '| mode | window (s) | to VOD playable (s) | after the window (s) | to ready (s) |',
        '|---|--:|--:|--:|--:|',
        ...ends.map((r) => `| ${r.join(' | ')} |`),
      ].join('\n'),
      '',
      'Low latency uses 1 s segments and LL-HLS blocking playlist reload (`_HLS_msn`); ffmpeg 5.1 writes no partial segments, so there are no LL-HLS parts: hls.js holds three segments behind the live edge in both modes.',
    ],
  };
}
