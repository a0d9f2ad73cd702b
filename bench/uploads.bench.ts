// Upload throughput: a 1 GB file sent to Kino over tus on loopback (one PATCH per 8 MB or 64 MB
// chunk, SQLite and the data folder on local disk), beside nginx receiving the same bytes as one PUT
// to the same disk (the ceiling), and Kino's peak memory while 4 such uploads run at once.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BenchContext, BenchReport } from './lib/harness.ts';
import { foreignCores, sampleCpu } from './lib/cpu.ts';
import { freePort, startNodeServer, tempDir, type ServerProcess } from './lib/processes.ts';
import type { Resource } from './lib/scope.ts';

const MB = 1024 * 1024;
/** BENCH_UPLOAD_MB shrinks the file for a quick check of the benchmark itself. */
const SIZE_MB = Number(process.env.BENCH_UPLOAD_MB ?? 1024);
const SIZE = SIZE_MB * MB;
/** Each measurement is repeated and its median kept: the disk and a shared machine are noisy. */
const RUNS = Number(process.env.BENCH_UPLOAD_RUNS ?? 3);
const CHUNKS_MB = [8, 64];
const CONCURRENT = 4;
const CONCURRENT_CHUNK_MB = 64;
const TARGET_SHARE = 0.5;
const TARGET_RSS_MB = 250;
const FOREIGN_WARNING = 0.1;

interface Timed {
  mbPerSecond: number;
  /** CPU seconds the receiving server spent per GB received (median run). */
  cpuPerGb: number | undefined;
  foreign: number | undefined;
}

/** One way of receiving the file: sends it once and returns what to delete afterwards. */
interface Contender {
  label: string;
  /** The process doing the receiving, for its CPU time. */
  pid: () => number | undefined;
  /** Sends the file; resolves once the server has answered for the last byte. */
  upload(): Promise<void>;
  /** After the clock stops: checks what was stored and returns the files to remove. */
  stored(): Promise<string[]>;
}

export default async function uploadsBenchmark(ctx: BenchContext): Promise<BenchReport> {
  if (!(SIZE_MB >= 8)) throw new Error('BENCH_UPLOAD_MB must be at least 8');
  const work = ctx.scope.track(await tempDir('kino-bench-uploads-'));
  const source = join(work.path, 'source.bin');
  ctx.log(`writing a ${SIZE_MB} MB source file of random bytes`);
  const sha256 = await writeRandomFile(source, SIZE);

  const nginx = ctx.scope.track(await startNginx(work.path));
  const nodeDir = join(work.path, 'node-put');
  await mkdir(nodeDir);
  const nodePort = await freePort();
  const nodeServer = ctx.scope.track(
    await startNodeServer({
      name: 'Node.js PUT server',
      args: ['--import', 'tsx', 'bench/node-put-server.ts'],
      env: { ...process.env, BENCH_PORT: String(nodePort), BENCH_DIR: nodeDir },
      port: nodePort,
      cwd: ctx.repoRoot,
      readyPath: '/',
    }),
  );
  const kino = await startKino(ctx, work.path, 'sequential');
  const apiKey = await createTenantKey(kino.url, kino.adminKey);
  const contenders: Contender[] = [
    {
      label: 'nginx PUT, one request (ceiling)',
      pid: () => nginx.workerPid(),
      upload: () => put(`${nginx.url}/target.bin`, source),
      stored: () => Promise.resolve([join(nginx.root, 'target.bin')]),
    },
    {
      label: 'plain Node.js http PUT, one request',
      pid: () => nodeServer.pid,
      upload: () => put(`${nodeServer.url}/target.bin`, source),
      stored: () => Promise.resolve([join(nodeDir, 'target.bin')]),
    },
    ...CHUNKS_MB.map((chunkMb): Contender => {
      let id = '';
      return {
        label: `Kino tus, ${chunkMb} MB PATCHes`,
        pid: () => kino.server.pid,
        upload: async () => {
          id = await tusUpload(kino.url, apiKey, source, chunkMb * MB);
        },
        stored: async () => {
          const stored = join(kino.dataDir, 'storage', id);
          await checkStored(stored, sha256);
          return [stored, `${stored}.json`];
        },
      };
    }),
  ];
  // Runs take turns, each after a sync, so none inherits another's unwritten pages or a later slot.
  ctx.log(`ceiling (nginx) and Kino, ${RUNS} runs each, taking turns`);
  const runs = new Map<Contender, { rate: number; cpuPerGb: number | undefined }[]>(
    contenders.map((c) => [c, []]),
  );
  const turnsStarted = sampleCpu();
  for (let run = 0; run < RUNS; run++) {
    for (const contender of contenders) {
      spawnSync('sync');
      const cpuBefore = cpuSecondsOf(contender.pid());
      const started = performance.now();
      await contender.upload();
      const rate = SIZE / MB / ((performance.now() - started) / 1000);
      const cpuAfter = cpuSecondsOf(contender.pid());
      // Checking the stored bytes (a sha256 of the whole file) is outside the timing.
      const leftovers = await contender.stored();
      const cpuPerGb =
        cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : (cpuAfter - cpuBefore) / (SIZE / 1024 ** 3);
      runs.get(contender)?.push({ rate, cpuPerGb });
      ctx.log(
        `  ${contender.label}: ${rate.toFixed(0)} MB/s` +
          (cpuPerGb === undefined ? '' : `, server CPU ${cpuPerGb.toFixed(2)} s/GB`),
      );
      for (const file of leftovers) await rm(file, { force: true });
    }
  }
  const foreign = foreignCores(turnsStarted, sampleCpu());
  if (foreign !== undefined && foreign > FOREIGN_WARNING) {
    ctx.log(`  other processes used ${foreign.toFixed(2)} cores meanwhile`);
  }
  const median = (contender: Contender): Timed => {
    const sorted = [...(runs.get(contender) ?? [])].sort((a, b) => a.rate - b.rate);
    const mid = sorted[Math.floor(sorted.length / 2)];
    return { mbPerSecond: mid?.rate ?? Number.NaN, cpuPerGb: mid?.cpuPerGb, foreign };
  };
  const [ceilingContender, nodeContender, ...kinoContenders] = contenders;
  if (!ceilingContender || !nodeContender) throw new Error('no ceiling');
  const ceiling = median(ceilingContender);
  const plainNode = median(nodeContender);
  const chunks = kinoContenders.map((c, i) => ({ chunkMb: CHUNKS_MB[i] ?? 0, result: median(c) }));
  await ctx.scope.release(kino.server);
  await ctx.scope.release(nodeServer);
  await ctx.scope.release(nginx);

  // A fresh process, so its high-water mark is this run's.
  const busy = await startKino(ctx, work.path, 'concurrent');
  const busyKey = await createTenantKey(busy.url, busy.adminKey);
  ctx.log(`${CONCURRENT} uploads of ${SIZE_MB} MB at once, ${CONCURRENT_CHUNK_MB} MB PATCHes`);
  const pid = busy.server.pid;
  if (pid === undefined) throw new Error('the Kino process has no pid');
  const rssBefore = memoryOf(pid).rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, memoryOf(pid).rss);
  }, 50);
  const before = sampleCpu();
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: CONCURRENT }, () =>
        tusUpload(busy.url, busyKey, source, CONCURRENT_CHUNK_MB * MB),
      ),
    );
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const concurrent = {
    mbPerSecond: (CONCURRENT * SIZE) / MB / seconds,
    foreign: foreignCores(before, sampleCpu()),
    rssBeforeMb: rssBefore / MB,
    peakRssMb: peakRss / MB,
    hwmMb: memoryOf(pid).hwm / MB,
  };
  ctx.log(
    `  ${concurrent.mbPerSecond.toFixed(0)} MB/s in all; RSS ${concurrent.rssBeforeMb.toFixed(0)} MB idle, ` +
      `peak ${concurrent.peakRssMb.toFixed(0)} MB sampled, VmHWM ${concurrent.hwmMb.toFixed(0)} MB`,
  );
  await ctx.scope.release(busy.server);
  await ctx.scope.release(work);

  return report(ceiling, plainNode, chunks, concurrent);
}

async function writeRandomFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let written = 0; written < size;) {
    const piece = randomBytes(Math.min(8 * MB, size - written));
    hash.update(piece);
    if (!out.write(piece)) {
      await new Promise<void>((resolve) => {
        out.once('drain', () => {
          resolve();
        });
      });
    }
    written += piece.length;
  }
  await new Promise<void>((resolve, reject) => {
    out.end((error?: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
  return hash.digest('hex');
}

/** nginx (its WebDAV PUT) writing request bodies into `dir`, one worker, on a free port. */
async function startNginx(
  dir: string,
): Promise<Resource & { url: string; root: string; workerPid(): number | undefined }> {
  const prefix = join(dir, 'nginx');
  await mkdir(join(prefix, 'root'), { recursive: true });
  await mkdir(join(prefix, 'body'), { recursive: true });
  const port = await freePort();
  const conf = join(prefix, 'nginx.conf');
  await writeFile(
    conf,
    [
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${join(prefix, 'error.log')} warn;`,
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${join(prefix, 'body')};`,
      '  client_max_body_size 0;',
      '  server {',
      `    listen 127.0.0.1:${port};`,
      `    root ${join(prefix, 'root')};`,
      '    location / { dav_methods PUT; create_full_put_path on; }',
      '  }',
      '}',
    ].join('\n'),
  );
  // As root, nginx's worker runs as nobody: it must be able to write there.
  const child = spawn('nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off; user root;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const up = await fetch(`${url}/`).then(
      async (r) => {
        await r.arrayBuffer();
        return true;
      },
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: 'nginx',
    url,
    root: join(prefix, 'root'),
    workerPid: () => {
      if (child.pid === undefined) return undefined;
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
      return children ? Number(children.split(' ')[0]) : undefined;
    },
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGQUIT');
      await exited;
    },
    closeNow() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

async function startKino(
  ctx: BenchContext,
  workDir: string,
  name: string,
): Promise<{ server: ServerProcess; url: string; adminKey: string; dataDir: string }> {
  const dataDir = join(workDir, `kino-${name}`);
  const port = await freePort();
  const adminKey = randomBytes(24).toString('base64url');
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([variable]) => !variable.startsWith('KINO_')),
  );
  ctx.log(`starting Kino (${name})`);
  const server = ctx.scope.track(
    await startNodeServer({
      name: `Kino (${name})`,
      args: ['--import', 'tsx', 'packages/server/src/main.ts', 'serve'],
      env: {
        ...env,
        KINO_PORT: String(port),
        KINO_HOST: '127.0.0.1',
        KINO_DATA_DIR: dataDir,
        KINO_ADMIN_KEY: adminKey,
        KINO_LOG_LEVEL: 'warn',
        // Uploads only: processing the random bytes would compete for the CPU.
        KINO_ROLES: 'api',
      },
      port,
      cwd: ctx.repoRoot,
      readyPath: '/healthz',
    }),
  );
  return { server, url: server.url, adminKey, dataDir };
}

async function createTenantKey(url: string, operatorKey: string): Promise<string> {
  const res = await fetch(`${url}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench uploads' }),
  });
  const body = (await res.json()) as { apiKey?: unknown };
  if (res.status !== 201 || typeof body.apiKey !== 'string') {
    throw new Error(`POST /v1/tenants answered ${res.status}: ${JSON.stringify(body)}`);
  }
  return body.apiKey;
}

/** Sends `file[start, end)` as the body of one request, streamed from disk; resolves with the response. */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  file: string,
  range: { start: number; end: number },
): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: { ...headers, 'content-length': String(range.end - range.start) } },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    pipeline(createReadStream(file, { start: range.start, end: range.end - 1 }), req).catch(reject);
  });
}

async function put(url: string, file: string): Promise<void> {
  const res = await send(url, 'PUT', {}, file, { start: 0, end: SIZE });
  if (res.status !== 201 && res.status !== 204) throw new Error(`nginx PUT answered ${res.status}`);
}

/** One tus upload: a creation request, then one PATCH per chunk; returns the upload id. */
async function tusUpload(url: string, apiKey: string, file: string, chunk: number): Promise<string> {
  const auth = { 'tus-resumable': '1.0.0', authorization: `Bearer ${apiKey}` };
  const created = await fetch(`${url}/v1/uploads`, {
    method: 'POST',
    headers: { ...auth, 'upload-length': String(SIZE) },
  });
  await created.arrayBuffer();
  const location = created.headers.get('location');
  if (created.status !== 201 || !location) throw new Error(`tus creation answered ${created.status}`);
  const target = new URL(location, url).toString();
  for (let offset = 0; offset < SIZE; offset += chunk) {
    const end = Math.min(SIZE, offset + chunk);
    const res = await send(
      target,
      'PATCH',
      { ...auth, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
      file,
      { start: offset, end },
    );
    if (res.status !== 204 || res.headers['upload-offset'] !== String(end)) {
      throw new Error(
        `PATCH at ${offset} answered ${res.status} (offset ${String(res.headers['upload-offset'])})`,
      );
    }
  }
  return location.split('/').pop() ?? '';
}

/** The stored original must be the source, or the rate means nothing. */
async function checkStored(file: string, sha256: string): Promise<void> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  if (hash.digest('hex') !== sha256) throw new Error(`the stored upload ${file} differs from the source`);
}

/** user + system CPU seconds of a process so far (Linux), or undefined when it cannot be read. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Resident and peak resident memory of a process, in bytes (Linux). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function report(
  ceiling: Timed,
  plainNode: Timed,
  chunks: { chunkMb: number; result: Timed }[],
  concurrent: {
    mbPerSecond: number;
    foreign: number | undefined;
    rssBeforeMb: number;
    peakRssMb: number;
    hwmMb: number;
  },
): BenchReport {
  const share = (t: Timed) => t.mbPerSecond / ceiling.mbPerSecond;
  const busy = (foreign: number | undefined) =>
    foreign === undefined ? '-' : `${foreign.toFixed(2)}${foreign > FOREIGN_WARNING ? ' (busy)' : ''}`;
  const cpu = (t: Timed) => (t.cpuPerGb === undefined ? '-' : t.cpuPerGb.toFixed(2));
  const rows = [
    [
      'nginx PUT, one request (ceiling)',
      mbs(ceiling.mbPerSecond),
      '100%',
      '-',
      cpu(ceiling),
      '-',
      busy(ceiling.foreign),
    ],
    [
      'plain Node.js http PUT, one request (reference)',
      mbs(plainNode.mbPerSecond),
      pct(share(plainNode)),
      '-',
      cpu(plainNode),
      '-',
      busy(plainNode.foreign),
    ],
    ...chunks.map(({ chunkMb, result }) => [
      `Kino tus, ${chunkMb} MB PATCHes`,
      mbs(result.mbPerSecond),
      pct(share(result)),
      share(result) >= TARGET_SHARE ? 'yes' : 'no',
      cpu(result),
      '-',
      busy(result.foreign),
    ]),
    [
      `Kino tus, ${CONCURRENT} uploads at once, ${CONCURRENT_CHUNK_MB} MB PATCHes`,
      `${mbs(concurrent.mbPerSecond)} in all`,
      '-',
      '-',
      '-',
      `${concurrent.peakRssMb.toFixed(0)} (VmHWM ${concurrent.hwmMb.toFixed(0)})`,
      busy(concurrent.foreign),
    ],
  ];
  const slow = chunks.filter(({ result }) => share(result) < TARGET_SHARE);
  const rssOk = concurrent.hwmMb < TARGET_RSS_MB;
  return {
    title: 'Uploads: tus throughput and memory',
    intro: [
      `A ${SIZE_MB} MB file of random bytes is uploaded on loopback to Kino (\`packages/server/src/main.ts serve\` ` +
        `in a child process, API role, SQLite and the data folder on the local disk, log level warn) with tus 1.0.0: ` +
        `one creation request, then one PATCH per chunk, each chunk streamed from the file by Node's HTTP client ` +
        `in the benchmark's process. The ceiling is nginx (one worker, WebDAV PUT) receiving the whole file as one ` +
        `PUT into a folder on the same disk. A plain Node.js http server piping the same PUT into a file ` +
        `(\`bench/node-put-server.ts\`) shows what Node itself costs, below Fastify and tus. They take turns, ${RUNS} runs each, every run after a \`sync\` and ` +
        `its file deleted after it, so none inherits another's unwritten pages; a rate is the median run, from the ` +
        `first request to the last response, in MB/s (MiB). Each stored upload is checked against the source's ` +
        `SHA-256. Server CPU is the user + system time of the receiving process (Kino, or nginx's worker) per GB.`,
      `Memory: a fresh Kino process receives ${CONCURRENT} uploads of the same file at once ` +
        `(${CONCURRENT_CHUNK_MB} MB PATCHes); its resident memory is sampled every 50 ms and its VmHWM ` +
        `(peak resident memory since the process started, tsx's TypeScript loading included) read at the end. ` +
        `Targets: at least ${pct(TARGET_SHARE)} of the ceiling; under ${TARGET_RSS_MB} MB resident.`,
    ],
    columns: [
      'target',
      'MB/s',
      'of ceiling',
      `>= ${pct(TARGET_SHARE)}`,
      'server CPU (s/GB)',
      'peak RSS (MB)',
      'other load (cores)',
    ],
    rows,
    notes: [
      slow.length === 0
        ? `Every chunk size reaches ${pct(TARGET_SHARE)} of the ceiling.`
        : `Below ${pct(TARGET_SHARE)} of the ceiling: ${slow.map((s) => `${s.chunkMb} MB PATCHes`).join(', ')}.`,
      cpuComparison(ceiling, plainNode, chunks),
      `Peak memory with ${CONCURRENT} concurrent uploads: ${concurrent.hwmMb.toFixed(0)} MB VmHWM ` +
        `(${concurrent.rssBeforeMb.toFixed(0)} MB idle before them): ` +
        (rssOk ? `under the ${TARGET_RSS_MB} MB target.` : `over the ${TARGET_RSS_MB} MB target.`),
      '"other load" is the CPU other processes on the machine used during the runs, in cores; above ' +
        `${FOREIGN_WARNING} the machine was shared and the rates are low and noisy.`,
    ],
  };
}

const mbs = (value: number) => value.toFixed(0);
const pct = (value: number) => `${Math.round(value * 100)}%`;

/** How Kino's CPU per byte compares with plain Node's and nginx's: on a busy machine, rates follow it. */
function cpuComparison(
  ceiling: Timed,
  plainNode: Timed,
  chunks: { chunkMb: number; result: Timed }[],
): string {
  const best = chunks
    .map((c) => c.result.cpuPerGb)
    .filter((v) => v !== undefined)
    .sort((a, b) => a - b)[0];
  if (best === undefined || ceiling.cpuPerGb === undefined || plainNode.cpuPerGb === undefined) {
    return 'Server CPU could not be read on this system.';
  }
  return (
    `Receiving a GB costs Kino ${best.toFixed(1)} CPU seconds at best, plain Node.js ` +
    `${plainNode.cpuPerGb.toFixed(1)} and nginx ${ceiling.cpuPerGb.toFixed(1)}: ` +
    `${(best / plainNode.cpuPerGb).toFixed(1)}× plain Node and ${(best / ceiling.cpuPerGb).toFixed(1)}× nginx. ` +
    'Where the cores are shared with other work, the rates follow these costs more than the disk.'
  );
}
