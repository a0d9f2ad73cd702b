// Playback delivery: segment bytes from /play (public media, and private media through a token URL)
// beside nginx serving the same files from the same folder, with wrk on loopback; and playlist
// latency at a fixed 2,000 requests/s.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '../packages/server/src/db/database.ts';
import { MediaRepository } from '../packages/server/src/media/media.repository.ts';
import type { PlaybackIndex } from '../packages/server/src/media/playback-index.ts';
import type { BenchContext, BenchReport } from './lib/harness.ts';
import { foreignCores, sampleCpu } from './lib/cpu.ts';
import { fixedRate, type LoadResult } from './lib/load.ts';
import { nginxVersion, startNginx } from './lib/nginx.ts';
import { freePort, startNodeServer, tempDir } from './lib/processes.ts';
import { runWrk, type WrkRequest, type WrkResult } from './lib/wrk.ts';

/** BENCH_SECONDS shortens (or lengthens) every timed run. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
/** As docs/benchmarks.md reports them (playback delivery): one wrk thread, 16 keep-alive connections. */
const CONNECTIONS = 16;
/** Video segments: 1 MiB each (about 4 Mbit/s in 2 s segments); audio ones are small. */
const VIDEO_SEGMENT_BYTES = 1024 * 1024;
const AUDIO_SEGMENT_BYTES = 32 * 1024;
const SEGMENTS = 30;
const PLAYLIST_RATE = 2_000;
const TARGET_SHARE = 0.6;
const FOREIGN_WARNING = 0.1;
const VERSION = 'job_bench-1';

interface SegmentRow {
  label: string;
  server: 'nginx' | 'node' | 'Kino';
  kind: 'video' | 'audio';
  result: WrkResult;
  foreign: number | undefined;
}

interface PlaylistRow {
  label: string;
  result: LoadResult;
  foreign: number | undefined;
}

export default async function deliveryBenchmark(ctx: BenchContext): Promise<BenchReport> {
  if (!(SECONDS > 0)) throw new Error('BENCH_SECONDS must be a positive number of seconds');
  const deps = spawnSync(join(ctx.repoRoot, 'scripts/ensure-system-deps.sh'), ['nginx', 'wrk'], {
    stdio: 'inherit',
  });
  if (deps.status !== 0) throw new Error('could not install nginx and wrk');

  const dataDir = ctx.scope.track(await tempDir('kino-bench-delivery-'));
  const workDir = ctx.scope.track(await tempDir('kino-bench-work-'));
  const adminKey = randomBytes(24).toString('base64url');
  const database = openDatabase({ kind: 'sqlite', file: join(dataDir.path, 'kino.sqlite') });
  const connection = ctx.scope.track({
    name: 'SQLite connection',
    close: () => database.close(),
    closeNow: () => undefined,
  });
  await migrateToLatest(database.db);

  const port = await freePort();
  ctx.log('starting Kino (API role, SQLite, files in its data folder)');
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KINO_')));
  const kino = ctx.scope.track(
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
        KINO_ROLES: 'api',
      },
      port,
      cwd: ctx.repoRoot,
      readyPath: '/healthz',
    }),
  );

  const api = async <T>(key: string, method: string, path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${kino.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const tenant = await api<{ id: string; apiKey: string }>(adminKey, 'POST', '/v1/tenants', {
    name: 'bench',
  });
  const pub = await api<{ id: string }>(tenant.apiKey, 'POST', '/v1/media', { title: 'public' });
  const priv = await api<{ id: string }>(tenant.apiKey, 'POST', '/v1/media', {
    title: 'private',
    visibility: 'private',
  });

  ctx.log(
    `writing two published versions: ${SEGMENTS} video segments of ${VIDEO_SEGMENT_BYTES / 1024} KiB each`,
  );
  const storageRoot = join(dataDir.path, 'storage');
  const index = layout();
  const media = new MediaRepository(database.db);
  for (const id of [pub.id, priv.id]) {
    const dir = join(storageRoot, 'media', tenant.id, id, VERSION);
    await mkdir(dir, { recursive: true });
    for (const r of index.renditions) {
      const last = r.index.segments.at(-1);
      await writeFile(join(dir, r.file), randomBytes((last?.offset ?? 0) + (last?.length ?? 0)));
    }
    await writeFile(join(dir, 'index.json'), JSON.stringify(index));
    await media.transition(tenant.id, id, {
      playback_prefix: `media/${tenant.id}/${id}/${VERSION}/`,
      playback_index: 'index.json',
      renditions: '[]',
      playable: 1,
      status: 'ready',
      duration_seconds: index.durationSeconds,
      width: 1920,
      height: 1080,
      updated_at: Date.now(),
    });
  }
  await ctx.scope.release(connection);
  const { token } = await api<{ token: string }>(
    tenant.apiKey,
    'POST',
    `/v1/media/${priv.id}/playback-tokens`,
    {
      expiresInSeconds: 24 * 3600,
    },
  );

  const nginxPort = await freePort();
  const nginx = ctx.scope.track(
    await startNginx({ root: storageRoot, workDir: workDir.path, port: nginxPort }),
  );
  const plainNodePort = await freePort();
  const plainNode = ctx.scope.track(
    await startNodeServer({
      name: 'plain Node.js range server',
      args: ['--import', 'tsx', 'bench/node-range-server.ts'],
      env: { ...env, BENCH_PORT: String(plainNodePort), BENCH_DIR: storageRoot },
      port: plainNodePort,
      cwd: ctx.repoRoot,
      readyPath: '/healthz',
    }),
  );
  // nginx gets the playlist as a static file, the closest thing it can serve.
  const masterPath = `/play/${pub.id}/master.m3u8`;
  const master = await (await fetch(kino.url + masterPath)).text();
  await writeFile(join(storageRoot, 'master.m3u8'), master);

  await checkSameBytes(kino.url, nginx.url, tenant.id, pub.id, priv.id, token, index);

  // HLS asks for each segment as a byte range of the rendition file; nginx gets the same ranges.
  const ranges = (kind: 'video' | 'audio', base: (file: string) => string): WrkRequest[] => {
    const r = renditionOf(index, kind);
    return r.index.segments.map((s) => ({
      path: base(r.file),
      range: `bytes=${s.offset}-${s.offset + s.length - 1}`,
    }));
  };
  const versionDir = (id: string) => `/media/${tenant.id}/${id}/${VERSION}`;
  const targets: {
    label: string;
    server: 'nginx' | 'node' | 'Kino';
    kind: 'video' | 'audio';
    url: string;
    requests: WrkRequest[];
  }[] = [];
  for (const kind of ['video', 'audio'] as const) {
    targets.push(
      {
        label: `nginx, the file by Range`,
        server: 'nginx',
        kind,
        url: nginx.url,
        requests: ranges(kind, (f) => `${versionDir(pub.id)}/${f}`),
      },
      {
        label: 'plain Node.js http, the file by Range (reference)',
        server: 'node',
        kind,
        url: plainNode.url,
        requests: ranges(kind, (f) => `${versionDir(pub.id)}/${f}`),
      },
      {
        label: 'Kino public, HLS byte range',
        server: 'Kino',
        kind,
        url: kino.url,
        requests: ranges(kind, (f) => `/play/${pub.id}/${VERSION}/${f}`),
      },
      {
        label: 'Kino public, DASH segment',
        server: 'Kino',
        kind,
        url: kino.url,
        requests: renditionOf(index, kind).index.segments.map((_, n) => ({
          path: `/play/${pub.id}/${VERSION}/${kind === 'video' ? 'video-1080p' : 'audio'}/${n}.m4s`,
        })),
      },
      {
        label: 'Kino token, HLS byte range',
        server: 'Kino',
        kind,
        url: kino.url,
        requests: ranges(kind, (f) => `/play/t/${token}/${priv.id}/${VERSION}/${f}`),
      },
    );
  }

  const segmentRows: SegmentRow[] = [];
  for (const target of targets) {
    const name = `${target.kind} segments: ${target.label}`;
    ctx.log(`${name}: warming up`);
    await runWrk({
      url: target.url,
      requests: target.requests,
      seconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
      threads: 1,
      workDir: workDir.path,
    });
    const before = sampleCpu();
    const result = await runWrk({
      url: target.url,
      requests: target.requests,
      seconds: SECONDS,
      connections: CONNECTIONS,
      threads: 1,
      workDir: workDir.path,
    });
    const foreign = foreignCores(before, sampleCpu());
    ctx.log(
      `${name}: ${gbps(result.bytesPerSecond)} GB/s, ${Math.round(result.requestsPerSecond).toLocaleString('en')} req/s` +
        (result.failures > 0 ? `, ${result.failures} failed` : '') +
        (foreign !== undefined && foreign > FOREIGN_WARNING
          ? ` (other processes used ${foreign.toFixed(2)} cores)`
          : ''),
    );
    segmentRows.push({ ...target, result, foreign });
  }

  const playlistRows: PlaylistRow[] = [];
  for (const [label, url, path] of [
    ['nginx, static master.m3u8', nginx.url, '/master.m3u8'],
    ['Kino public master.m3u8', kino.url, masterPath],
    ['Kino public media playlist', kino.url, `/play/${pub.id}/${VERSION}/video-1080p.m3u8`],
    ['Kino token master.m3u8', kino.url, `/play/t/${token}/${priv.id}/master.m3u8`],
  ] as const) {
    const target = { url, headers: {}, path: () => path };
    ctx.log(`${label}: ${PLAYLIST_RATE.toLocaleString('en')} req/s for ${SECONDS} s`);
    await fixedRate(target, { rate: PLAYLIST_RATE, seconds: 1 });
    const before = sampleCpu();
    const result = await fixedRate(target, { rate: PLAYLIST_RATE, seconds: SECONDS });
    const foreign = foreignCores(before, sampleCpu());
    ctx.log(
      `${label}:   p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms${result.overloaded ? ', overloaded' : ''}`,
    );
    playlistRows.push({ label, result, foreign });
  }
  await ctx.scope.release(nginx);
  await ctx.scope.release(plainNode);
  await ctx.scope.release(kino);
  return report(segmentRows, playlistRows, nginxVersion());
}

/** One 1080p rendition of 1 MiB segments and an audio one of small segments, as processing lays them out. */
function layout(): PlaybackIndex {
  const segments = (init: number, length: number) =>
    Array.from({ length: SEGMENTS }, (_, n) => ({ duration: 2, offset: init + n * length, length }));
  return {
    durationSeconds: SEGMENTS * 2,
    renditions: [
      {
        id: 'video-1080p',
        kind: 'video',
        file: 'video-1080p.mp4',
        codec: 'avc1.640028',
        width: 1920,
        height: 1080,
        frameRate: 30,
        index: { initLength: 1000, segments: segments(1000, VIDEO_SEGMENT_BYTES) },
      },
      {
        id: 'audio',
        kind: 'audio',
        file: 'audio.mp4',
        codec: 'mp4a.40.2',
        width: null,
        height: null,
        frameRate: null,
        index: { initLength: 600, segments: segments(600, AUDIO_SEGMENT_BYTES) },
      },
    ],
    poster: null,
    storyboard: null,
    download: null,
  };
}

function renditionOf(index: PlaybackIndex, kind: 'video' | 'audio') {
  const r = index.renditions.find((x) => x.kind === kind);
  if (!r) throw new Error(`the layout has no ${kind} rendition`);
  return r;
}

/** Before measuring: every server answers the same bytes for the same segment, and refuses what it must. */
async function checkSameBytes(
  kinoUrl: string,
  nginxUrl: string,
  tenantId: string,
  pubId: string,
  privId: string,
  token: string,
  index: PlaybackIndex,
): Promise<void> {
  const r = renditionOf(index, 'video');
  const s = r.index.segments[3];
  if (!s) throw new Error('the layout has too few segments');
  const range = { range: `bytes=${s.offset}-${s.offset + s.length - 1}` };
  const body = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers });
    if (res.status !== 200 && res.status !== 206) throw new Error(`${url} answered ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const reference = await body(`${nginxUrl}/media/${tenantId}/${pubId}/${VERSION}/${r.file}`, range);
  const answers = [
    await body(`${kinoUrl}/play/${pubId}/${VERSION}/${r.file}`, range),
    await body(`${kinoUrl}/play/${pubId}/${VERSION}/${r.id}/3.m4s`),
  ];
  if (reference.length !== s.length || answers.some((a) => !a.equals(reference))) {
    throw new Error('Kino and nginx disagree on the bytes of a segment');
  }
  const refused = await fetch(`${kinoUrl}/play/${privId}/${VERSION}/${r.file}`, { headers: range });
  await refused.arrayBuffer();
  if (refused.status !== 401) throw new Error(`private media without a token answered ${refused.status}`);
  await body(`${kinoUrl}/play/t/${token}/${privId}/${VERSION}/${r.file}`, range);
}

function report(segments: SegmentRow[], playlists: PlaylistRow[], nginx: string): BenchReport {
  const reference = (kind: 'video' | 'audio') =>
    segments.find((r) => r.server === 'nginx' && r.kind === kind)?.result;
  const share = (row: SegmentRow, of: (r: WrkResult) => number) => {
    const ref = reference(row.kind);
    return ref ? of(row.result) / of(ref) : Number.NaN;
  };
  const kinoRows = segments.filter((r) => r.server === 'Kino');
  const below = kinoRows.filter((r) => share(r, (x) => x.requestsPerSecond) < TARGET_SHARE);
  const busy = [...segments, ...playlists].filter((r) => (r.foreign ?? 0) > FOREIGN_WARNING);
  const failures = segments.filter((r) => r.result.failures > 0);
  return {
    title: 'Playback delivery: segments beside nginx, playlists at 2,000 req/s',
    intro: [
      `Kino (\`packages/server/src/main.ts serve\`, API role, SQLite, files in its data folder, log level warn) and ` +
        `${nginx} (one worker, sendfile, no access log) serve **the same files from the same folder** on loopback, ` +
        `one after the other. Two published versions (one public media, one private) hold a 1080p rendition of ` +
        `${SEGMENTS} segments of ${VIDEO_SEGMENT_BYTES / 1024} KiB and an audio rendition of ${SEGMENTS} segments of ` +
        `${AUDIO_SEGMENT_BYTES / 1024} KiB, random bytes laid out as processing lays them out.`,
      `Segments: wrk, 1 thread, ${CONNECTIONS} keep-alive connections, ${SECONDS} s after a ${WARMUP_SECONDS} s ` +
        `warm-up, cycling through every segment of a rendition. "HLS byte range" asks for the rendition file with ` +
        `each segment's Range (what hls.js and Safari send); nginx gets exactly those requests. "DASH segment" asks ` +
        `for \`{rendition}/{n}.m4s\`, which Kino maps to the same byte window. "Token" is the private media through ` +
        `\`/play/t/{token}/…\` (token verified on every request). Bandwidth counts response bytes, headers included. ` +
        `A plain Node.js http server (\`bench/node-range-server.ts\`: the file's range read into a buffer and ` +
        `written, nothing else) shows what Node itself reaches on the same requests, below any framework. ` +
        `Target: at least ${TARGET_SHARE * 100}% of nginx.`,
      `Playlists: an open-loop generator sends ${PLAYLIST_RATE.toLocaleString('en')} req/s for ${SECONDS} s ` +
        `(bench/lib/load.ts: request i at i / rate whatever earlier ones did), after 1 s at that rate.`,
    ],
    columns: ['segments', 'served by', 'GB/s', 'req/s', 'of nginx', 'failed', 'other load (cores)'],
    rows: [
      ...segments.map((r) => [
        `${r.kind} (${(r.kind === 'video' ? VIDEO_SEGMENT_BYTES : AUDIO_SEGMENT_BYTES) / 1024} KiB)`,
        r.label,
        gbps(r.result.bytesPerSecond),
        Math.round(r.result.requestsPerSecond).toLocaleString('en'),
        r.server === 'nginx' ? '-' : `${Math.round(share(r, (x) => x.requestsPerSecond) * 100)}%`,
        String(r.result.failures),
        r.foreign === undefined ? '-' : r.foreign.toFixed(2),
      ]),
      ...playlists.map((r) => [
        `playlist at ${PLAYLIST_RATE / 1000}k/s`,
        r.label,
        '-',
        Math.round(r.result.requestsPerSecond).toLocaleString('en'),
        `p50 ${ms(r.result.p50)} ms, p99 ${ms(r.result.p99)} ms${r.result.overloaded ? ' (overloaded)' : ''}`,
        String(r.result.failures),
        r.foreign === undefined ? '-' : r.foreign.toFixed(2),
      ]),
    ],
    notes: [
      below.length === 0
        ? `Every Kino row reached at least ${TARGET_SHARE * 100}% of nginx's requests/s.`
        : `Below ${TARGET_SHARE * 100}% of nginx: ${below.map((r) => `${r.kind} ${r.label}`).join('; ')}.`,
      ...(failures.length > 0
        ? [`Rows with failed requests: ${failures.map((r) => `${r.kind} ${r.label}`).join('; ')}.`]
        : []),
      ...(busy.length > 0
        ? [
            `Other processes used more than ${FOREIGN_WARNING} cores during ${busy.length} of the runs (last column): ` +
              'the machine was shared, so these figures are low and noisy; re-run on a quiet machine.',
          ]
        : []),
      'nginx sends files with sendfile (no copy through user space); Node.js reads each range into a buffer and ' +
        'writes it to the socket, so on large segments the gap is mostly that second copy. On small segments ' +
        'the gap is the per-request cost of Node.js itself (the plain Node.js row) and, above it, of Fastify and ' +
        "Kino's routing, access rules and caching headers.",
      'The master playlist and MPD reuse the media row and its caption tracks for up to 0.1 s (a change of visibility reaches new ' +
        'players within that time); requests inside a version ' +
        'reuse the row for up to a second.',
    ],
  };
}

const gbps = (bytesPerSecond: number) => (bytesPerSecond / 1e9).toFixed(2);
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '-');
