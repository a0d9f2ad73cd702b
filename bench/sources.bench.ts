// Real-world sources: time from the last upload byte to playable and to ready over a corpus of
// awkward fixtures (HDR, rotation, interlacing, anamorphic, odd sizes, VFR with broken sound, a 30 s
// GOP, several audio tracks, quiet sound) on a real Kino process; and the picture quality of
// Kino's ladder (SSIM per rung) beside an x264 "medium" ladder at the same bitrates.
import { randomBytes } from 'node:crypto';
import { access, mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMediaTool } from '../packages/server/src/processing/media-tools.ts';
import {
  SOURCE_FIXTURE_NAMES,
  sourceFixture,
  type SourceFixtureName,
} from '../packages/testkit/src/source-fixtures.ts';
import type { BenchContext, BenchReport } from './lib/harness.ts';
import { freePort, startNodeServer, tempDir, type ServerProcess } from './lib/processes.ts';
import { tusUpload } from './lib/tus-upload.ts';

/** BENCH_SOURCES_RUNS: uploads of each fixture. */
const RUNS = Number(process.env.BENCH_SOURCES_RUNS ?? 3);
/** BENCH_SOURCES_SSIM=0 leaves the quality comparison out. */
const SSIM = process.env.BENCH_SOURCES_SSIM !== '0';
const POLL_MS = 50;
const QUALITY_SECONDS = 10;
const MEDIA_CACHE = join(tmpdir(), 'kino-bench-media');

interface Kino {
  server: ServerProcess;
  apiKey: string;
}

interface Timed {
  playable: number;
  ready: number;
}

interface MediaState {
  id: string;
  status: string;
  playable: boolean;
  playback: { hls: string } | null;
  error: unknown;
}

export default async function sourcesBenchmark(ctx: BenchContext): Promise<BenchReport> {
  if (!(Number.isInteger(RUNS) && RUNS > 0)) throw new Error('BENCH_SOURCES_RUNS must be a positive integer');
  const kino = await startKino(ctx);
  const times = new Map<SourceFixtureName, Timed[]>();
  for (let round = 1; round <= RUNS; round++) {
    for (const name of SOURCE_FIXTURE_NAMES) {
      const timed = await throughKino(kino, await sourceFixture(name), name);
      ctx.log(
        `${name} round ${round}/${RUNS}: playable ${sec(timed.playable)} s, ready ${sec(timed.ready)} s`,
      );
      times.set(name, [...(times.get(name) ?? []), timed]);
    }
  }
  const quality = SSIM ? await qualityLadder(ctx, kino) : [];
  await ctx.scope.release(kino.server);
  return report(times, quality);
}

async function startKino(ctx: BenchContext): Promise<Kino> {
  const dataDir = ctx.scope.track(await tempDir('kino-sources-bench-'));
  const port = await freePort();
  const adminKey = randomBytes(24).toString('base64url');
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('KINO_')),
  );
  ctx.log('starting Kino (API and worker in one process, SQLite, local disk)');
  const server = ctx.scope.track(
    await startNodeServer({
      name: 'Kino',
      args: ['--import', 'tsx', 'packages/server/src/main.ts', 'serve'],
      env: {
        ...env,
        KINO_PORT: String(port),
        KINO_HOST: '127.0.0.1',
        KINO_DATA_DIR: dataDir.path,
        KINO_ADMIN_KEY: adminKey,
        KINO_LOG_LEVEL: 'warn',
        KINO_RATE_LIMIT_PER_MINUTE: '0',
      },
      port,
      cwd: ctx.repoRoot,
      readyPath: '/readyz',
    }),
  );
  const res = await fetch(`${server.url}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Sources bench' }),
  });
  const body = (await res.json()) as { apiKey?: unknown };
  if (res.status !== 201 || typeof body.apiKey !== 'string') {
    throw new Error(`POST /v1/tenants answered ${res.status}: ${JSON.stringify(body)}`);
  }
  return { server, apiKey: body.apiKey };
}

/** Uploads a file and polls until it is playable (its master served) and ready. */
async function throughKino(kino: Kino, file: string, label: string): Promise<Timed & { media: MediaState }> {
  const { url } = kino.server;
  const auth = { authorization: `Bearer ${kino.apiKey}` };
  const { mediaId, lastByteAt } = await tusUpload(url, kino.apiKey, file, { filename: label, title: label });
  let playable: number | undefined;
  for (;;) {
    const res = await fetch(`${url}/v1/media/${mediaId}`, { headers: auth });
    const media = (await res.json()) as MediaState;
    if (res.status !== 200) throw new Error(`GET /v1/media/${mediaId} answered ${res.status}`);
    if (media.status === 'errored')
      throw new Error(`${label}: processing failed: ${JSON.stringify(media.error)}`);
    if (playable === undefined && media.playable && media.playback) {
      const master = await fetch(new URL(new URL(media.playback.hls).pathname, url));
      if (master.status === 200 && (await master.text()).startsWith('#EXTM3U')) {
        playable = performance.now() - lastByteAt.perf;
      }
    }
    if (media.status === 'ready' && playable !== undefined) {
      return { playable, ready: performance.now() - lastByteAt.perf, media };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

interface RungQuality {
  rung: string;
  kbps: number;
  kino: number;
  reference: number;
}

/**
 * A 10 s 1080p30 HEVC source (moving test pattern with grain, so every rung is encoded) through
 * Kino; each rung's SSIM against the source scaled to its size, beside x264 preset medium at that
 * rung's measured bitrate, with the same rate cap.
 */
async function qualityLadder(ctx: BenchContext, kino: Kino): Promise<RungQuality[]> {
  const source = await qualitySource(ctx);
  const { media } = await throughKino(kino, source, 'quality');
  if (!media.playback) throw new Error('the quality source is ready but has no playback');
  const master = new URL(new URL(media.playback.hls).pathname, kino.server.url).toString();
  const variants = [
    ...(await (await fetch(master)).text()).matchAll(
      /AVERAGE-BANDWIDTH=(\d+).*RESOLUTION=(\d+)x(\d+).*\n(.+)/g,
    ),
  ];
  const dir = ctx.scope.track(await tempDir('kino-sources-quality-'));
  const results: RungQuality[] = [];
  for (const [, averageBps, width, height, uri] of variants) {
    if (!averageBps || !width || !height || !uri) continue;
    const rendition = new URL(uri, master).toString();
    // The variant's average counts the audio too (128 kbit/s).
    const kbps = Math.round(Number(averageBps) / 1000 - 128);
    const reference = join(dir.path, `reference-${height}.mp4`);
    await runMediaTool('ffmpeg', [
      ...['-nostdin', '-hide_banner', '-v', 'error', '-y', '-i', source, '-an'],
      ...['-vf', `scale=${width}:${height}:flags=bicubic,setsar=1,format=yuv420p`],
      ...['-c:v', 'libx264', '-preset', 'medium', '-b:v', `${kbps}k`],
      ...['-maxrate', `${Math.round(kbps * 1.5)}k`, '-bufsize', `${kbps * 2}k`, reference],
    ]);
    const row = {
      rung: `${height}p`,
      kbps,
      kino: await ssim(rendition, source, Number(width), Number(height)),
      reference: await ssim(reference, source, Number(width), Number(height)),
    };
    ctx.log(
      `${row.rung} at ${kbps} kbit/s: SSIM Kino ${row.kino.toFixed(4)}, x264 medium ${row.reference.toFixed(4)}`,
    );
    results.push(row);
  }
  await ctx.scope.release(dir);
  return results;
}

/** Mean SSIM (all planes) of `distorted` against `source` scaled to its size; each input starts at 0. */
async function ssim(distorted: string, source: string, width: number, height: number): Promise<number> {
  const out = await runMediaTool('ffmpeg', [
    ...['-nostdin', '-hide_banner', '-v', 'error', '-i', distorted, '-i', source],
    ...[
      '-lavfi',
      `[1:v]scale=${width}:${height}:flags=bicubic,setsar=1[ref];[0:v]setsar=1[d];[d][ref]ssim=stats_file=-`,
    ],
    ...['-f', 'null', '-'],
  ]);
  const values = [...out.matchAll(/All:([\d.]+)/g)].map((m) => Number(m[1]));
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

async function qualitySource(ctx: BenchContext): Promise<string> {
  const file = join(MEDIA_CACHE, `hevc-1080p30-grain-${QUALITY_SECONDS}s.mp4`);
  try {
    await access(file);
    return file;
  } catch {
    // Made below.
  }
  await mkdir(MEDIA_CACHE, { recursive: true });
  ctx.log(`making the ${QUALITY_SECONDS} s 1080p HEVC quality source (kept in ${MEDIA_CACHE})`);
  const partial = `${file}.${process.pid}.partial.mp4`;
  await runMediaTool('ffmpeg', [
    ...['-nostdin', '-hide_banner', '-v', 'error', '-y'],
    ...[
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=1920x1080:rate=30:duration=${QUALITY_SECONDS},noise=alls=12:allf=t+u`,
    ],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${QUALITY_SECONDS}`],
    ...['-map', '0:v', '-map', '1:a', '-c:v', 'libx265', '-preset', 'fast', '-crf', '18', '-tag:v', 'hvc1'],
    ...['-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', partial],
  ]);
  await rename(partial, file);
  return file;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const sec = (milliseconds: number) => (milliseconds / 1000).toFixed(milliseconds < 10_000 ? 2 : 1);

function report(times: Map<SourceFixtureName, Timed[]>, quality: RungQuality[]): BenchReport {
  const rows: string[][] = [];
  const all = [...times.values()].flat();
  for (const [name, list] of [...times, ['all fixtures', all] as const]) {
    const playable = list.map((t) => t.playable);
    const ready = list.map((t) => t.ready);
    rows.push([
      name,
      String(list.length),
      sec(percentile(playable, 50)),
      sec(percentile(playable, 95)),
      sec(percentile(ready, 50)),
      sec(percentile(ready, 95)),
    ]);
  }
  const notes = [
    'Playable: the media API says so and its master playlist answers. A source that cannot pass through ' +
      '(HDR, rotated, interlaced, anamorphic, odd-sized, VFR, 30 s GOP) is first played from one rung ' +
      'of at most 480p encoded at x264 superfast; the ladder follows.',
  ];
  if (quality.length > 0) {
    notes.push(
      'Picture quality of the ladder, a 10 s 1080p30 HEVC source (moving test pattern with grain): SSIM ' +
        '(all planes, mean over frames) of each Kino rung against the source scaled to its size, beside ' +
        'x264 preset medium at the same bitrate and rate cap.',
      '',
      '| rung | kbit/s | SSIM Kino (veryfast, one pass) | SSIM x264 medium | difference |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...quality.map(
        (q) =>
          `| ${q.rung} | ${q.kbps} | ${q.kino.toFixed(4)} | ${q.reference.toFixed(4)} | ${(q.kino - q.reference).toFixed(4)} |`,
      ),
    );
  }
  return {
    title: 'Real-world sources: time to playable and ladder quality',
    intro: [
      `Each of the ${times.size} source fixtures of \`@kino/testkit/source-fixtures\` uploaded ${RUNS} ` +
        'time(s) by tus to one Kino process (API and worker, SQLite, local disk); times from the last byte.',
    ],
    columns: ['source', 'uploads', 'playable p50 (s)', 'playable p95 (s)', 'ready p50 (s)', 'ready p95 (s)'],
    rows,
    notes,
  };
}
