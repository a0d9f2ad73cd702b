// Live streaming capacity: how many passthrough broadcasts one Kino process (all roles) carries on
// this machine with segment age p99 under the segment duration, the CPU each costs, and the same
// with the ABR ladder encoded live. Encoders are ffmpeg sending a pre-encoded OBS-shaped file
// (H.264 with 2 s keyframes, AAC) in real time with -c copy, so they cost almost nothing.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchContext, BenchReport } from './lib/harness.ts';
import { startLiveKino } from './lib/live-kino.ts';
import { tempDir } from './lib/processes.ts';

const run = promisify(execFile);
/** BENCH_LIVE_COUNTS: the numbers of passthrough broadcasts to try (comma separated). */
const COUNTS = (process.env.BENCH_LIVE_COUNTS ?? '1,4,8,16').split(',').map(Number);
const ABR_COUNTS = (process.env.BENCH_LIVE_ABR_COUNTS ?? '1,2').split(',').map(Number);
const WARMUP_S = 15;
const MEASURE_S = 30;
const SEGMENT_S = 4;

/** CPU seconds used so far by `pid` and every process below it (the packagers). */
async function treeCpuSeconds(pid: number): Promise<number> {
  const { stdout } = await run('ps', ['-eo', 'pid=,ppid=,cputimes=']);
  const rows = stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const inTree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, pp] of rows)
      if (p !== undefined && pp !== undefined && inTree.has(pp) && !inTree.has(p)) {
        inTree.add(p);
        grew = true;
      }
  }
  return rows.filter(([p]) => p !== undefined && inTree.has(p)).reduce((sum, [, , t]) => sum + (t ?? 0), 0);
}

/** The segment-age histogram's cumulative bucket counts from /metrics. */
async function ageBuckets(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets = new Map<string, number>();
  for (const m of text.matchAll(/^kino_live_segment_age_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) {
    buckets.set(m[1] ?? '', Number(m[2]));
  }
  return buckets;
}

/** The smallest bucket bound holding 99 % of the segments stored between two readings. */
function p99Bound(before: Map<string, number>, after: Map<string, number>): string {
  const deltas = [...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const);
  const total = deltas.find(([le]) => le === '+Inf')?.[1] ?? 0;
  if (total === 0) return 'no segments';
  const hit = deltas.find(([, n]) => n >= total * 0.99);
  return hit ? `≤ ${hit[0]}` : '> 15';
}

export default async function liveCapacity(ctx: BenchContext): Promise<BenchReport> {
  const { scope } = ctx;
  const log = (line: string) => {
    ctx.log(line);
  };
  const data = scope.track(await tempDir('kino-bench-live-capacity'));
  const source = join(data.path, 'obs.mp4');
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=30',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    '60',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    '60',
    '-keyint_min',
    '60',
    '-b:v',
    '2500k',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    source,
  ]);
  const live = await startLiveKino(ctx, data.path);
  const kino = live.server;
  const rows: string[][] = [];
  const rounds = [
    ...COUNTS.map((n) => ({ n, ladder: 'passthrough' as const })),
    ...ABR_COUNTS.map((n) => ({ n, ladder: 'abr' as const })),
  ];
  for (const { n, ladder } of rounds) {
    log(`live capacity: ${n} × ${ladder}`);
    const encoders: ChildProcess[] = [];
    for (let i = 0; i < n; i++) {
      // Not recorded: the rounds measure the live path, not the processing of recordings after it.
      const s = await live.api<{ ingest: { rtmpUrl: string } }>('POST', '/v1/live-streams', {
        ladder,
        record: false,
        reconnectWindowSeconds: 0,
      });
      encoders.push(
        spawn(
          'ffmpeg',
          [
            '-hide_banner',
            '-loglevel',
            'error',
            '-re',
            '-stream_loop',
            '-1',
            '-i',
            source,
            '-c',
            'copy',
            '-f',
            'flv',
            s.ingest.rtmpUrl,
          ],
          {
            stdio: 'ignore',
          },
        ),
      );
    }
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const pid = kino.pid ?? 0;
    const [cpu0, ages0] = [await treeCpuSeconds(pid), await ageBuckets(kino.url)];
    await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
    const [cpu1, ages1] = [await treeCpuSeconds(pid), await ageBuckets(kino.url)];
    for (const e of encoders) e.kill('SIGKILL');
    const cores = (cpu1 - cpu0) / MEASURE_S;
    rows.push([
      ladder,
      String(n),
      cores.toFixed(2),
      ((cores / n) * 100).toFixed(1),
      p99Bound(ages0, ages1),
      `< ${SEGMENT_S}`,
    ]);
    await new Promise((r) => setTimeout(r, 5000));
  }
  return {
    title: 'Live streaming: broadcasts one process carries',
    intro: [
      `One Kino process (all roles, SQLite, local disk) takes N encoders at once, each sending a 720p30 H.264/AAC file (2.5 Mbit/s, 2 s keyframes) in real time with \`-c copy\` (so the encoders cost little). CPU is Kino and its packagers (ffmpeg) over ${MEASURE_S} s after ${WARMUP_S} s of warm-up; segment age is from a segment's first frame arriving to the segment being listed (\`kino_live_segment_age_seconds\`, p99 as the histogram bucket that holds it). Standard latency: ${SEGMENT_S} s segments.`,
    ],
    columns: [
      'ladder',
      'broadcasts',
      'CPU (cores)',
      'CPU per broadcast (% of a core)',
      'segment age p99 (s)',
      'target (s)',
    ],
    rows,
    notes: ['`abr` encodes 720p, 480p and 360p rungs live (x264 veryfast, zerolatency) from each broadcast.'],
  };
}
