// API read path: GET /v1/media/{id} and GET /v1/media?limit=50 over 100,000 media of one tenant, on
// SQLite and on PostgreSQL, beside a bare Fastify route (the ceiling), each server in its own process.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../packages/server/src/db/database.ts';
import type { NewMediaRow } from '../packages/server/src/db/schema.ts';
import { newId } from '../packages/server/src/lib/ids.ts';
import { startPostgres } from '../packages/testkit/src/postgres.ts';
import type { BenchContext, BenchReport } from './lib/harness.ts';
import { foreignCores, processCpuMs, sampleCpu } from './lib/cpu.ts';
import { fixedRate, maxThroughput, type LoadResult, type LoadTarget } from './lib/load.ts';
import { freePort, startNodeServer, tempDir } from './lib/processes.ts';

const MEDIA_ROWS = 100_000;
/** A second tenant's media, interleaved in time with the first one's, so every query must scope by tenant. */
const OTHER_TENANT_ROWS = 10_000;
const INSERT_BATCH = 1_000;
const BATCHES_PER_TRANSACTION = 10;
const RATE = 1_000;
const TARGET_P99_MS = 10;
/** BENCH_SECONDS shortens (or lengthens) every timed run, for a quick check of the benchmark itself. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
/** Closed-loop connections for the max-throughput runs. */
const CONNECTIONS = 32;
/** Cores used by other processes above which a measurement is flagged. */
const FOREIGN_WARNING = 0.1;

/**
 * BENCH_PROFILE_DIR: write CPU profiles of each Kino server (node --cpu-prof) into a folder per
 * database under it; the largest file is the main thread's (tsx's loader thread writes one too).
 */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const profiling = (label: string) =>
  PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, label)}`] : [];

interface Measured {
  fixed: LoadResult;
  max: LoadResult;
  /** Cores' worth of CPU that other processes on the machine used meanwhile. */
  foreign: number | undefined;
  /**
   * Microseconds of the server process's own CPU per answered request during the max-throughput
   * run: what a request costs, much less sensitive than the latencies to what else runs.
   */
  cpuPerRequestUs: number | undefined;
}

interface Row {
  route: string;
  database: string;
  result: Measured;
}

export default async function apiBenchmark(ctx: BenchContext): Promise<BenchReport> {
  if (!(SECONDS > 0)) throw new Error('BENCH_SECONDS must be a positive number of seconds');
  const fastifyVersion = sameFastify(ctx.repoRoot);
  const rows: Row[] = [];

  ctx.log(`ceiling: bare Fastify ${fastifyVersion}, one route returning a constant`);
  rows.push({ route: 'bare Fastify route (ceiling)', database: '-', result: await ceiling(ctx) });

  const sqlite = await kino(ctx, 'SQLite', undefined);
  rows.push(...sqlite.rows);

  ctx.log('PostgreSQL: starting a throwaway server');
  const pg = await startPostgres();
  const pgResource = ctx.scope.track({
    name: 'PostgreSQL',
    close: () => pg.stop(),
    closeNow: () => undefined,
  });
  const postgres = await kino(ctx, 'PostgreSQL', await pg.createDatabase('kino_bench'));
  rows.push(...postgres.rows);
  await ctx.scope.release(pgResource);

  return report(rows, {
    fastifyVersion,
    sqliteVersion: sqlite.version,
    postgresVersion: postgres.version,
    bytes: sqlite.bytes,
  });
}

/** The bench's Fastify must be the copy the server loads, or the ceiling is not the server's ceiling. */
function sameFastify(repoRoot: string): string {
  const fromServer = createRequire(join(repoRoot, 'packages/server/package.json')).resolve(
    'fastify/package.json',
  );
  const fromBench = createRequire(import.meta.url).resolve('fastify/package.json');
  if (fromServer !== fromBench) {
    throw new Error(`the ceiling would load ${fromBench} but the server loads ${fromServer}`);
  }
  return (JSON.parse(readFileSync(fromServer, 'utf8')) as { version: string }).version;
}

async function ceiling(ctx: BenchContext): Promise<Measured> {
  const port = await freePort();
  const server = ctx.scope.track(
    await startNodeServer({
      name: 'ceiling server',
      args: ['--import', 'tsx', 'bench/ceiling-server.ts'],
      env: { ...process.env, BENCH_PORT: String(port) },
      port,
      cwd: ctx.repoRoot,
      readyPath: '/',
    }),
  );
  const result = await measure(ctx, 'ceiling', { url: server.url, headers: {}, path: () => '/' }, server.pid);
  await ctx.scope.release(server);
  return result;
}

async function kino(
  ctx: BenchContext,
  label: 'SQLite' | 'PostgreSQL',
  databaseUrl: string | undefined,
): Promise<{ rows: Row[]; version: string; bytes: { media: number; page: number } }> {
  const dataDir = ctx.scope.track(await tempDir('kino-bench-'));
  const port = await freePort();
  const adminKey = randomBytes(24).toString('base64url');
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('KINO_')),
  );
  // The schema is brought up to date before the server starts (which finds nothing left to do);
  // this connection then writes the media rows.
  const database = openDatabase(
    databaseUrl === undefined
      ? { kind: 'sqlite', file: join(dataDir.path, 'kino.sqlite') }
      : { kind: 'postgres', url: databaseUrl },
  );
  const connection = ctx.scope.track({
    name: `${label} connection`,
    close: () => database.close(),
    closeNow: () => undefined,
  });
  await migrateToLatest(database.db);
  ctx.log(`${label}: starting Kino`);
  const server = ctx.scope.track(
    await startNodeServer({
      name: `Kino on ${label}`,
      args: [...profiling(label), '--import', 'tsx', 'packages/server/src/main.ts', 'serve'],
      env: {
        ...env,
        KINO_PORT: String(port),
        KINO_HOST: '127.0.0.1',
        KINO_DATA_DIR: dataDir.path,
        KINO_ADMIN_KEY: adminKey,
        KINO_LOG_LEVEL: 'warn',
        KINO_ROLES: 'api',
        // The key's rate limit stays on (its hook is part of every request) but far above the load.
        KINO_RATE_LIMIT_PER_MINUTE: '1000000',
        ...(databaseUrl !== undefined && { KINO_DATABASE_URL: databaseUrl }),
      },
      port,
      cwd: ctx.repoRoot,
      readyPath: '/healthz',
    }),
  );

  const main = await createTenant(server.url, adminKey, 'Bench main');
  const other = await createTenant(server.url, adminKey, 'Bench other');
  const seeded = await seed(ctx, label, database, main.id, other.id);
  await ctx.scope.release(connection);
  const bytes = await verify(server.url, main.apiKey, seeded.mainIds, seeded.otherIds);

  const health =
    label === 'SQLite'
      ? await measure(
          ctx,
          'Kino GET /healthz',
          { url: server.url, headers: {}, path: () => '/healthz' },
          server.pid,
        )
      : undefined;
  const headers = { authorization: `Bearer ${main.apiKey}` };
  const ids = seeded.mainIds;
  const get = await measure(
    ctx,
    `${label} GET /v1/media/{id}`,
    {
      url: server.url,
      headers,
      path: () => `/v1/media/${ids[Math.floor(Math.random() * ids.length)] ?? ''}`,
    },
    server.pid,
  );
  const list = await measure(
    ctx,
    `${label} GET /v1/media?limit=50`,
    { url: server.url, headers, path: () => '/v1/media?limit=50' },
    server.pid,
  );
  await ctx.scope.release(server);
  await ctx.scope.release(dataDir);
  return {
    rows: [
      ...(health
        ? [{ route: 'Kino GET /healthz (no auth, no database)', database: '-', result: health }]
        : []),
      { route: 'GET /v1/media/{id}', database: label, result: get },
      { route: 'GET /v1/media?limit=50', database: label, result: list },
    ],
    version: seeded.version,
    bytes,
  };
}

async function createTenant(
  url: string,
  operatorKey: string,
  name: string,
): Promise<{ id: string; apiKey: string }> {
  const res = await fetch(`${url}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as { id?: unknown; apiKey?: unknown };
  if (res.status !== 201 || typeof body.id !== 'string' || typeof body.apiKey !== 'string') {
    throw new Error(`POST /v1/tenants answered ${res.status}: ${JSON.stringify(body)}`);
  }
  return { id: body.id, apiKey: body.apiKey };
}

/**
 * Writes the media rows straight into the database, in time order, one tenant's row in eleven being
 * the other tenant's; returns both tenants' ids and the database's version.
 */
async function seed(
  ctx: BenchContext,
  label: string,
  database: DatabaseHandle,
  mainTenant: string,
  otherTenant: string,
): Promise<{ mainIds: string[]; otherIds: string[]; version: string }> {
  const started = performance.now();
  const { db, dialect } = database;
  const mainIds: string[] = [];
  const otherIds: string[] = [];
  const total = MEDIA_ROWS + OTHER_TENANT_ROWS;
  const every = total / OTHER_TENANT_ROWS;
  const first = Date.now() - total * 60_000;
  const perTransaction = INSERT_BATCH * BATCHES_PER_TRANSACTION;
  for (let from = 0; from < total; from += perTransaction) {
    await db.transaction().execute(async (trx) => {
      for (let batch = from; batch < Math.min(total, from + perTransaction); batch += INSERT_BATCH) {
        const values: NewMediaRow[] = [];
        for (let i = batch; i < Math.min(total, batch + INSERT_BATCH); i++) {
          const isOther = i % every === every - 1;
          const row = mediaRow(isOther ? otherTenant : mainTenant, i, first + i * 60_000);
          (isOther ? otherIds : mainIds).push(row.id);
          values.push(row);
        }
        await trx.insertInto('media').values(values).execute();
      }
    });
  }
  if (dialect === 'postgres') {
    // Autovacuum would vacuum and analyze a freshly filled table soon, in the middle of the
    // measurements; do it now so it neither competes for the CPU nor changes plans mid-run.
    await sql`vacuum analyze media`.execute(db);
  }
  const version =
    dialect === 'postgres'
      ? (
          await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)
        ).rows[0]?.v.split(' ')[0]
      : (await sql<{ v: string }>`select sqlite_version() as v`.execute(db)).rows[0]?.v;
  ctx.log(
    `${label}: seeded ${mainIds.length.toLocaleString('en')} + ${otherIds.length.toLocaleString('en')} media ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { mainIds, otherIds, version: version ?? 'unknown' };
}

function mediaRow(tenantId: string, i: number, createdAt: number): NewMediaRow {
  const ready = i % 50 !== 0;
  return {
    id: newId('med', createdAt),
    tenant_id: tenantId,
    title: `Weekly review ${i}: roadmap, hiring and the Q3 launch`,
    description:
      'Recording of the weekly review. Agenda: status of the launch, open questions from support, ' +
      'hiring for the platform team, and a short demo of the new upload flow.',
    tags: JSON.stringify(['meeting', i % 2 === 0 ? 'engineering' : 'product', `week-${i % 52}`]),
    visibility: i % 4 === 0 ? 'private' : 'public',
    status: ready ? 'ready' : 'processing',
    playable: ready ? 1 : 0,
    duration_seconds: 60 + (i % 3_600),
    width: 1920,
    height: 1080,
    error_code: null,
    error_message: null,
    created_at: createdAt,
    updated_at: createdAt,
  };
}

/** Checks the answers before timing them: right media, tenant scoping, a full first page. */
async function verify(
  url: string,
  apiKey: string,
  mainIds: string[],
  otherIds: string[],
): Promise<{ media: number; page: number }> {
  const get = (path: string) => fetch(url + path, { headers: { authorization: `Bearer ${apiKey}` } });
  const someId = mainIds[Math.floor(mainIds.length / 2)] ?? '';
  const one = await get(`/v1/media/${someId}`);
  const oneText = await one.text();
  if (one.status !== 200 || (JSON.parse(oneText) as { id?: unknown }).id !== someId) {
    throw new Error(`GET /v1/media/${someId} answered ${one.status}: ${oneText.slice(0, 300)}`);
  }
  const foreign = await get(`/v1/media/${otherIds[0] ?? ''}`);
  await foreign.arrayBuffer();
  if (foreign.status !== 404) throw new Error(`another tenant's media answered ${foreign.status}, not 404`);
  const page = await get('/v1/media?limit=50');
  const pageText = await page.text();
  const body = JSON.parse(pageText) as { items?: { id: string }[]; nextCursor?: unknown };
  const mine = new Set(mainIds.slice(-50));
  if (
    page.status !== 200 ||
    body.items?.length !== 50 ||
    body.items[0]?.id !== mainIds.at(-1) ||
    !body.items.every((item) => mine.has(item.id)) ||
    typeof body.nextCursor !== 'string'
  ) {
    throw new Error(`GET /v1/media?limit=50 answered ${page.status}: ${pageText.slice(0, 300)}`);
  }
  return { media: Buffer.byteLength(oneText), page: Buffer.byteLength(pageText) };
}

async function measure(
  ctx: BenchContext,
  label: string,
  target: LoadTarget,
  serverPid: number | undefined,
): Promise<Measured> {
  const before = sampleCpu();
  ctx.log(`${label}: warming up`);
  await maxThroughput(target, { seconds: WARMUP_SECONDS, connections: CONNECTIONS });
  await fixedRate(target, { rate: RATE, seconds: 1 });
  ctx.log(`${label}: ${RATE.toLocaleString('en')} req/s for ${SECONDS} s`);
  const fixed = await fixedRate(target, { rate: RATE, seconds: SECONDS });
  ctx.log(
    `${label}:   p50 ${ms(fixed.p50)} ms, p99 ${ms(fixed.p99)} ms${failed(fixed)}` +
      (fixed.overloaded ? `; overloaded, answered ${rps(fixed.requestsPerSecond)} req/s` : ''),
  );
  ctx.log(`${label}: max throughput, ${CONNECTIONS} connections for ${SECONDS} s`);
  const cpuBefore = processCpuMs(serverPid);
  const max = await maxThroughput(target, { seconds: SECONDS, connections: CONNECTIONS });
  const cpuAfter = processCpuMs(serverPid);
  const cpuPerRequestUs =
    cpuBefore !== undefined && cpuAfter !== undefined && max.ok > 0
      ? ((cpuAfter - cpuBefore) * 1000) / max.ok
      : undefined;
  ctx.log(
    `${label}:   ${rps(max.requestsPerSecond)} req/s, p50 ${ms(max.p50)} ms, p99 ${ms(max.p99)} ms${failed(max)}` +
      (cpuPerRequestUs !== undefined ? `, server CPU ${Math.round(cpuPerRequestUs)} µs a request` : ''),
  );
  const foreign = foreignCores(before, sampleCpu());
  if (foreign !== undefined && foreign > FOREIGN_WARNING) {
    ctx.log(
      `${label}: warning: other processes used ${foreign.toFixed(2)} cores meanwhile; these numbers may be low`,
    );
  }
  return { fixed, max, foreign, cpuPerRequestUs };
}

function report(
  rows: Row[],
  versions: {
    fastifyVersion: string;
    sqliteVersion: string;
    postgresVersion: string;
    bytes: { media: number; page: number };
  },
): BenchReport {
  const top = rows[0]?.result.max.requestsPerSecond ?? Number.NaN;
  const meets = (r: Row) =>
    r.result.fixed.failures === 0 && !r.result.fixed.overloaded && r.result.fixed.p99 < TARGET_P99_MS;
  const kinoRows = rows.filter((r) => r.database !== '-');
  const missed = kinoRows.filter((r) => !meets(r));
  const overloaded = rows.filter((r) => r.result.fixed.overloaded);
  const foreign = rows.map((r) => r.result.foreign).filter((f) => f !== undefined);
  const busy = rows.filter((r) => (r.result.foreign ?? 0) > FOREIGN_WARNING);
  const withFailures = rows.filter((r) => r.result.fixed.failures + r.result.max.failures > 0);
  return {
    title: 'API: media reads',
    intro: [
      `Kino (\`packages/server/src/main.ts serve\`, API role, log level warn) and a bare Fastify ${versions.fastifyVersion} ` +
        `server with one route returning a constant JSON (the ceiling: what Node.js and Fastify cost alone) each run ` +
        `in a child process; the load comes from the benchmark's own process. SQLite ${versions.sqliteVersion} ` +
        `(a file in a temporary data folder) and PostgreSQL ${versions.postgresVersion} (a throwaway local server ` +
        `with fsync off, on the same machine) are measured one after the other, never at the same time. ` +
        `Kino's \`GET /healthz\` (public, no database) shows what Kino's own HTTP layer costs before ` +
        `authentication, SQL and the media's serialization.`,
      `Data: ${MEDIA_ROWS.toLocaleString('en')} media for the tenant whose key makes the requests and ` +
        `${OTHER_TENANT_ROWS.toLocaleString('en')} for a second tenant, interleaved in time, written directly with ` +
        `Kysely; both tenants and their keys are created through \`POST /v1/tenants\`. ` +
        `\`GET /v1/media/{id}\` picks a random id of the ${MEDIA_ROWS.toLocaleString('en')} for every request ` +
        `(${versions.bytes.media} bytes of JSON); \`GET /v1/media?limit=50\` reads the newest page ` +
        `(${(versions.bytes.page / 1024).toFixed(1)} KiB).`,
      `Each target gets a warm-up (${WARMUP_SECONDS} s flat out, 1 s at the fixed rate), then ` +
        `**${RATE.toLocaleString('en')} req/s for ${SECONDS} s**: an open-loop generator sends request i at ` +
        `i / ${RATE.toLocaleString('en')} s whatever the earlier ones did (opening connections as needed), timing ` +
        `each from when it is handed to Node's HTTP client to the end of its response; then **max throughput** for ` +
        `${SECONDS} s: autocannon with ${CONNECTIONS} keep-alive connections, requests/s being autocannon's mean ` +
        `of its per-second counts and the percentiles computed from every response's own time. ` +
        `Target: p99 under ${TARGET_P99_MS} ms at ${RATE.toLocaleString('en')} req/s.`,
    ],
    columns: [
      'route',
      'database',
      `p50 at ${RATE / 1000}k/s (ms)`,
      `p99 at ${RATE / 1000}k/s (ms)`,
      `p99 < ${TARGET_P99_MS} ms`,
      'max req/s',
      'p50 at max (ms)',
      'p99 at max (ms)',
      'of ceiling',
      'server CPU µs/req',
      'failed',
    ],
    rows: rows.map((r, i) => [
      r.route,
      r.database,
      ms(r.result.fixed.p50),
      ms(r.result.fixed.p99),
      i === 0 || r.database === '-'
        ? '-'
        : meets(r)
          ? 'yes'
          : r.result.fixed.overloaded
            ? 'no, overloaded'
            : 'no',
      rps(r.result.max.requestsPerSecond),
      ms(r.result.max.p50),
      ms(r.result.max.p99),
      `${Math.round((r.result.max.requestsPerSecond / top) * 100)}%`,
      r.result.cpuPerRequestUs === undefined
        ? '-'
        : Math.round(r.result.cpuPerRequestUs).toLocaleString('en'),
      String(r.result.fixed.failures + r.result.max.failures),
    ]),
    notes: [
      missed.length === 0
        ? `Every Kino route met the target (p99 under ${TARGET_P99_MS} ms at ${RATE.toLocaleString('en')} req/s).`
        : `Missed the target (p99 under ${TARGET_P99_MS} ms at ${RATE.toLocaleString('en')} req/s): ` +
          `${missed.map(where).join(', ')}.`,
      ...(overloaded.length > 0
        ? [
            `Overloaded at ${RATE.toLocaleString('en')} req/s (more than a second's worth of requests were ` +
              `waiting, so the generator stopped early; its p50/p99 describe the queue up to then): ` +
              `${overloaded.map((r) => `${where(r)} (answered ${rps(r.result.fixed.requestsPerSecond)} req/s)`).join(', ')}.`,
          ]
        : []),
      ...(withFailures.length > 0
        ? [`Non-2xx answers or connection errors: ${withFailures.map(where).join(', ')}.`]
        : []),
      ...(foreign.length > 0
        ? [
            `Other processes on the machine (and the hypervisor, as steal time) used at most ` +
              `${Math.max(...foreign).toFixed(2)} cores during any of the measurements` +
              (busy.length > 0
                ? `; more than ${FOREIGN_WARNING} while measuring ${busy.map(where).join(', ')}, whose numbers may be low.`
                : '.'),
          ]
        : []),
      `Server CPU µs/req: the server process's own CPU time (user + system, from /proc) during the ` +
        `max-throughput run divided by the requests it answered; PostgreSQL's processes are not in it. ` +
        `It shows what a request costs even when other work takes cores away from the run.`,
      `Two cores are shared by the server, the load generator (about one core when flat out) and, for ` +
        `PostgreSQL, the database's own processes, so max throughput is lower than on a machine where ` +
        `they run apart; the ceiling row shows what this setup allows at all, including the generator's own ` +
        `latency and this virtual machine's scheduling noise.`,
    ],
  };
}

function where(r: Row): string {
  return r.database === '-' ? r.route : `${r.route} on ${r.database}`;
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (value >= 100) return Math.round(value).toLocaleString('en');
  return value.toFixed(value >= 10 ? 1 : 2);
}

function rps(value: number): string {
  return Math.round(value).toLocaleString('en');
}

function failed(result: LoadResult): string {
  return result.failures > 0 ? `, ${result.failures} failed` : '';
}
