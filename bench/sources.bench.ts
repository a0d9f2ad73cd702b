// Real-world sources: time from the last upload byte to playable and to ready over a corpus of
// awkward fixtures (HDR, rotation, interlacing, anamorphic, odd sizes, VFR with broken sound, a 30 s
// GOP, several audio tracks, quiet sound) on a real Kino process; and the picture quality of
// Kino's capped-CRF ladder (SSIM and PSNR per rung, its bitrate beside its cap) beside an x264
// "medium" ladder at the bitrates Kino produced.
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
import { rateControl, rungFilters } from '../packages/server/src/processing/ffmpeg-commands.ts';
import { rungBitrateKbps, type VideoRung } from '../packages/server/src/processing/plan.ts';
import { markdownTable, textTable, type BenchContext, type BenchReport } from './lib/harness.ts';
import { freePort, startNodeServer, tempDir, type ServerProcess } from './lib/processes.ts';
import { tusUpload } from './lib/tus-upload.ts';

/** BENCH_SOURCES_RUNS: uploads of each fixture. */
const RUNS = Number(process.env.BENCH_SOURCES_RUNS ?? 3);
/** BENCH_SOURCES_SSIM=0 leaves the quality comparison out. */
const SSIM = process.env.BENCH_SOURCES_SSIM !== '0';
/** BENCH_SOURCES_TIMES=0 leaves the time-to-playable corpus out (the quality comparison alone). */
const TIMES = process.env.BENCH_SOURCES_TIMES !== '0';
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
  if (!TIMES && !SSIM)
    throw new Error('BENCH_SOURCES_TIMES=0 and BENCH_SOURCES_SSIM=0 leave nothing to measure');
  const kino = await startKino(ctx);
  const times = new Map<SourceFixtureName, Timed[]>();
  for (let round = 1; TIMES && round <= RUNS; round++) {
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

interface Scores {
  /** Mean SSIM over frames, all planes. */
  ssim: number;
  /** dB, from the mean squared error over frames (all planes), as ffmpeg's psnr filter sums it. */
  psnr: number;
}

interface RungQuality {
  source: string;
  rung: string;
  /** Kino's rate cap for the rung (its -maxrate). */
  capKbps: number;
  /** The video bitrate Kino produced (packets only, no container). */
  kinoKbps: number;
  /** The reference's video bitrate, encoded to match kinoKbps. */
  referenceKbps: number;
  kino: Scores;
  reference: Scores;
}

interface QualitySource {
  name: string;
  description: string;
  lavfi: string;
}

const QUALITY_RATE = 30;
/** HEVC sources, so Kino encodes every rung, the top one included. */
const QUALITY_SOURCES: QualitySource[] = [
  {
    name: 'grain',
    description: 'moving test pattern with grain: hard, held at the caps',
    lavfi: `testsrc2=size=1920x1080:rate=${QUALITY_RATE}:duration=${QUALITY_SECONDS},noise=alls=12:allf=t+u`,
  },
  {
    name: 'slides',
    description: 'a slide with text and a moving pointer: easy, far under the caps',
    lavfi:
      `color=c=0xf4f4f4:size=1920x1080:rate=${QUALITY_RATE}:duration=${QUALITY_SECONDS},` +
      'drawbox=x=160:y=120:w=1600:h=120:color=0x1f3a93:t=fill,' +
      'drawbox=x=160:y=320:w=1200:h=28:color=0x555555:t=fill,' +
      "drawtext=text='Quarterly review':fontsize=72:x=200:y=520:fontcolor=0x222222," +
      "drawbox=x='160+mod(t*300\\,1400)':y=700:w=24:h=24:color=red:t=fill",
  },
];

/**
 * Each quality source through Kino; each rung's SSIM and PSNR against the source scaled to its
 * size, beside x264 preset medium (two passes) at the bitrate Kino produced for that rung, with
 * Kino's rate cap and keyframe interval: a reference ladder at the same bitrate.
 */
async function qualityLadder(ctx: BenchContext, kino: Kino): Promise<RungQuality[]> {
  const results: RungQuality[] = [];
  for (const quality of QUALITY_SOURCES) {
    const source = await qualitySource(ctx, quality);
    const { media } = await throughKino(kino, source, `quality-${quality.name}`);
    if (!media.playback) throw new Error('the quality source is ready but has no playback');
    const master = new URL(new URL(media.playback.hls).pathname, kino.server.url).toString();
    const variants = [...(await (await fetch(master)).text()).matchAll(/RESOLUTION=(\d+)x(\d+).*\n(.+)/g)];
    const dir = ctx.scope.track(await tempDir('kino-sources-quality-'));
    for (const [, w, h, uri] of variants) {
      if (!w || !h || !uri) continue;
      const width = Number(w);
      const height = Number(h);
      const rung: VideoRung = {
        name: `${height}p`,
        width,
        height,
        bitrateKbps: rungBitrateKbps(width, height, QUALITY_RATE),
        copy: false,
      };
      const cap = rateControl(rung);
      // Kino's rendition, as a local file.
      const rendition = join(dir.path, `kino-${height}.mp4`);
      await ffmpeg(['-i', new URL(uri, master).toString(), '-map', '0:v', '-c', 'copy', rendition]);
      const kinoKbps = await videoKbps(rendition);
      const reference = join(dir.path, `reference-${height}.mp4`);
      const passLog = join(dir.path, `reference-${height}`);
      const encode = [
        ...['-i', source, '-an', '-vf', `fps=${QUALITY_RATE},${rungFilters(rung)}`],
        ...['-c:v', 'libx264', '-preset', 'medium', '-profile:v', 'high', '-b:v', `${Math.round(kinoKbps)}k`],
        ...['-maxrate', `${cap.maxrateKbps}k`, '-bufsize', `${cap.bufsizeKbits}k`],
        ...['-force_key_frames', 'expr:gte(t,n_forced*2)', '-sc_threshold', '0', '-passlogfile', passLog],
      ];
      await ffmpeg([...encode, '-pass', '1', '-f', 'null', '-']);
      await ffmpeg([...encode, '-pass', '2', reference]);
      const row: RungQuality = {
        source: quality.name,
        rung: rung.name,
        capKbps: cap.maxrateKbps,
        kinoKbps,
        referenceKbps: await videoKbps(reference),
        kino: await scores(rendition, source, width, height),
        reference: await scores(reference, source, width, height),
      };
      ctx.log(
        `${quality.name} ${row.rung}: Kino ${kbps(row.kinoKbps)} of ${row.capKbps} kbit/s, SSIM ` +
          `${row.kino.ssim.toFixed(4)}, PSNR ${row.kino.psnr.toFixed(2)} dB; x264 medium at ` +
          `${kbps(row.referenceKbps)} kbit/s: SSIM ${row.reference.ssim.toFixed(4)}, PSNR ${row.reference.psnr.toFixed(2)} dB`,
      );
      results.push(row);
    }
    await ctx.scope.release(dir);
  }
  ctx.log(`ladder quality:\n${textTable(QUALITY_COLUMNS, qualityRows(results))}`);
  return results;
}

const ffmpeg = (args: string[]) =>
  runMediaTool('ffmpeg', ['-nostdin', '-hide_banner', '-v', 'error', '-y', ...args]);

/** The first video stream's bitrate (kbit/s): its packets' bytes over its frame count at 30 fps. */
async function videoKbps(file: string): Promise<number> {
  const out = await runMediaTool('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', file],
  ]);
  const sizes = out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
  const bytes = sizes.reduce((a, b) => a + b, 0);
  return (bytes * 8) / (sizes.length / QUALITY_RATE) / 1000;
}

/** SSIM and PSNR of `distorted` against `source` scaled to its size, both from their first frame. */
async function scores(distorted: string, source: string, width: number, height: number): Promise<Scores> {
  const out = await runMediaTool('ffmpeg', [
    ...['-nostdin', '-hide_banner', '-v', 'error', '-i', distorted, '-i', source],
    ...[
      '-lavfi',
      '[0:v]setpts=PTS-STARTPTS,setsar=1,split[d1][d2];' +
        `[1:v]setpts=PTS-STARTPTS,scale=${width}:${height}:flags=bicubic,setsar=1,format=yuv420p,split[r1][r2];` +
        '[d1][r1]ssim=stats_file=-;[d2][r2]psnr=stats_file=-',
    ],
    ...['-f', 'null', '-'],
  ]);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const ssim = mean([...out.matchAll(/All:([\d.]+)/g)].map((m) => Number(m[1])));
  const mse = mean([...out.matchAll(/mse_avg:([\d.]+)/g)].map((m) => Number(m[1])));
  return { ssim, psnr: mse > 0 ? 10 * Math.log10((255 * 255) / mse) : Number.POSITIVE_INFINITY };
}

async function qualitySource(ctx: BenchContext, quality: QualitySource): Promise<string> {
  const file = join(MEDIA_CACHE, `hevc-1080p30-${quality.name}-${QUALITY_SECONDS}s.mp4`);
  try {
    await access(file);
    return file;
  } catch {
    // Made below.
  }
  await mkdir(MEDIA_CACHE, { recursive: true });
  ctx.log(
    `making the ${QUALITY_SECONDS} s 1080p HEVC quality source ${quality.name} (kept in ${MEDIA_CACHE})`,
  );
  const partial = `${file}.${process.pid}.partial.mp4`;
  await runMediaTool('ffmpeg', [
    ...['-nostdin', '-hide_banner', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', quality.lavfi],
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

const kbps = (value: number) => value.toFixed(0);

const QUALITY_COLUMNS = [
  'source',
  'rung',
  'cap kbit/s',
  'Kino kbit/s',
  'medium kbit/s',
  'SSIM Kino',
  'SSIM medium',
  'SSIM diff',
  'PSNR Kino (dB)',
  'PSNR medium (dB)',
];

function qualityRows(quality: RungQuality[]): string[][] {
  return quality.map((q) => [
    q.source,
    q.rung,
    String(q.capKbps),
    kbps(q.kinoKbps),
    kbps(q.referenceKbps),
    q.kino.ssim.toFixed(4),
    q.reference.ssim.toFixed(4),
    (q.kino.ssim - q.reference.ssim).toFixed(4),
    q.kino.psnr.toFixed(2),
    q.reference.psnr.toFixed(2),
  ]);
}

const QUALITY_METHOD =
  `Picture quality of the ladder: ${QUALITY_SOURCES.length} sources of ${QUALITY_SECONDS} s, 1080p30 HEVC ` +
  `(${QUALITY_SOURCES.map((q) => `${q.name}: ${q.description}`).join('; ')}), so every rung is encoded. ` +
  "Kino encodes each rung at x264 veryfast, CRF with the rung's planned bitrate as the cap (-maxrate, a " +
  '2 s VBV buffer), in one pass. The reference encodes the same frames at x264 medium in two passes at ' +
  'the video bitrate Kino produced for that rung, with the same cap and keyframes every 2 s. SSIM (mean ' +
  'over frames) and PSNR (from the mean squared error) over all planes, against the source scaled to ' +
  "the rung's size; bitrates count the video packets only.";

function report(times: Map<SourceFixtureName, Timed[]>, quality: RungQuality[]): BenchReport {
  if (!TIMES) {
    return {
      title: 'Real-world sources: ladder quality',
      intro: [QUALITY_METHOD],
      columns: QUALITY_COLUMNS,
      rows: qualityRows(quality),
      notes: [],
    };
  }
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
  if (quality.length > 0) notes.push(QUALITY_METHOD, markdownTable(QUALITY_COLUMNS, qualityRows(quality)));
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
