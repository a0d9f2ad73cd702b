// Storage cost: the bytes Kino keeps for each real-source fixture once it is ready (the original,
// the HLS/DASH ladder with its poster and storyboard, the MP4 download), per minute of source and
// as a multiple of the source file's own size.
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SOURCE_FIXTURE_NAMES, sourceFixture } from '../packages/testkit/src/source-fixtures.ts';
import type { BenchContext, BenchReport } from './lib/harness.ts';
import { freePort, startNodeServer, tempDir } from './lib/processes.ts';
import { tusUpload } from './lib/tus-upload.ts';

const POLL_MS = 200;
const READY_TIMEOUT_MS = 15 * 60_000;
/** Target: everything stored for a source at most this many times the source's own bytes. */
const TARGET_RATIO = 2.5;
const DOWNLOAD = 'download.mp4';

interface Stored {
  name: string;
  durationSeconds: number;
  source: number;
  original: number;
  ladder: number;
  download: number;
}

export default async function storageBenchmark(ctx: BenchContext): Promise<BenchReport> {
  const dataDir = ctx.scope.track(await tempDir('kino-storage-bench-'));
  const storageDir = join(dataDir.path, 'storage');
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
  const created = await fetch(`${server.url}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Storage bench' }),
  });
  const tenant = (await created.json()) as { id?: unknown; apiKey?: unknown };
  if (created.status !== 201 || typeof tenant.id !== 'string' || typeof tenant.apiKey !== 'string') {
    throw new Error(`POST /v1/tenants answered ${created.status}: ${JSON.stringify(tenant)}`);
  }
  const { id: tenantId, apiKey } = tenant as { id: string; apiKey: string };

  const rows: Stored[] = [];
  for (const name of SOURCE_FIXTURE_NAMES) {
    const file = await sourceFixture(name);
    const { mediaId } = await tusUpload(server.url, apiKey, file, { filename: name, title: name });
    const durationSeconds = await untilReady(server.url, apiKey, mediaId, name);
    const mediaFiles = await filesUnder(join(storageDir, 'media', tenantId, mediaId));
    const download = mediaFiles.filter((f) => f.path.endsWith(`/${DOWNLOAD}`));
    const row: Stored = {
      name,
      durationSeconds,
      source: (await stat(file)).size,
      original: 0,
      ladder: sum(mediaFiles) - sum(download),
      download: sum(download),
    };
    rows.push(row);
    ctx.log(
      `${name}: ladder and MP4 ${((row.ladder + row.download) / row.source).toFixed(2)}x the source's bytes`,
    );
  }
  // Originals are kept by upload id at the storage root (storage-layout.ts), one per media here.
  const originals = (await filesUnder(storageDir, false)).filter((f) => /\/upl_[^/.]+$/.test(f.path));
  if (originals.length !== rows.length) {
    throw new Error(`found ${originals.length} originals for ${rows.length} media`);
  }
  for (const row of rows) {
    // Each original is the uploaded file itself: match them by size.
    const index = originals.findIndex((o) => o.size === row.source);
    if (index === -1) throw new Error(`${row.name}: no stored original of ${row.source} bytes`);
    row.original = originals.splice(index, 1)[0]?.size ?? 0;
  }
  await ctx.scope.release(server);
  return report(rows);
}

async function untilReady(url: string, apiKey: string, mediaId: string, name: string): Promise<number> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/v1/media/${mediaId}`, { headers: { authorization: `Bearer ${apiKey}` } });
    const media = (await res.json()) as { status?: string; durationSeconds?: number | null; error?: unknown };
    if (res.status !== 200) throw new Error(`GET /v1/media/${mediaId} answered ${res.status}`);
    if (media.status === 'errored')
      throw new Error(`${name}: processing failed: ${JSON.stringify(media.error)}`);
    if (media.status === 'ready') return media.durationSeconds ?? Number.NaN;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`${name}: not ready after ${READY_TIMEOUT_MS / 60_000} minutes`);
}

async function filesUnder(dir: string, recursive = true): Promise<{ path: string; size: number }[]> {
  const found: { path: string; size: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && recursive) found.push(...(await filesUnder(path)));
    else if (entry.isFile()) found.push({ path, size: (await stat(path)).size });
  }
  return found;
}

const sum = (files: { size: number }[]) => files.reduce((a, f) => a + f.size, 0);
const total = (r: Stored) => r.original + r.ladder + r.download;
const mbPerMinute = (bytes: number, seconds: number) => ((bytes / 1e6) * 60) / seconds;

function report(rows: Stored[]): BenchReport {
  const all: Stored = {
    name: 'all fixtures',
    durationSeconds: rows.reduce((a, r) => a + r.durationSeconds, 0),
    source: rows.reduce((a, r) => a + r.source, 0),
    original: rows.reduce((a, r) => a + r.original, 0),
    ladder: rows.reduce((a, r) => a + r.ladder, 0),
    download: rows.reduce((a, r) => a + r.download, 0),
  };
  const over = rows.filter((r) => total(r) / r.source > TARGET_RATIO);
  const ratio = (r: Stored) => (total(r) / r.source).toFixed(2);
  return {
    title: 'Storage: bytes kept per source minute',
    intro: [
      `Each of the ${rows.length} source fixtures of \`@kino/testkit/source-fixtures\` uploaded once through ` +
        `tus to one Kino process (SQLite, local disk storage) and processed until ready; then the bytes in ` +
        `its storage folder: the original (kept as uploaded), the ladder (every file of the published ` +
        `version and its captions: HLS/DASH segments and playlists, poster, storyboard), and the MP4 ` +
        `download. MB are 10^6 bytes, per minute of the source's duration as Kino measured it. ` +
        `Target: everything stored at most ${TARGET_RATIO}x the source file's bytes.`,
    ],
    columns: [
      'source',
      'duration (s)',
      'source MB/min',
      'original MB/min',
      'ladder MB/min',
      'MP4 MB/min',
      'stored MB/min',
      'stored / source',
    ],
    rows: [...rows, all].map((r) => [
      r.name,
      r.durationSeconds.toFixed(1),
      mbPerMinute(r.source, r.durationSeconds).toFixed(2),
      mbPerMinute(r.original, r.durationSeconds).toFixed(2),
      mbPerMinute(r.ladder, r.durationSeconds).toFixed(2),
      mbPerMinute(r.download, r.durationSeconds).toFixed(2),
      mbPerMinute(total(r), r.durationSeconds).toFixed(2),
      `${ratio(r)}x`,
    ]),
    notes: [
      over.length === 0
        ? `Every fixture within ${TARGET_RATIO}x its source's bytes; all together ${ratio(all)}x.`
        : `Above ${TARGET_RATIO}x: ${over.map((r) => `${r.name} (${ratio(r)}x)`).join(', ')}; ` +
          `all together ${ratio(all)}x.`,
      'The fixtures are short synthetic clips (a few seconds each, test patterns and tones), whose ' +
        "bitrates are set by how they were generated: the ratio says what Kino adds to a source's " +
        'bytes, not what a camera or screen recording would cost per minute.',
    ],
  };
}
