// Playback analytics: the 30-day dashboard of a tenant with millions of views on PostgreSQL, read
// from hourly rollups (with per-view rows for the hours still open), beside the same dashboard
// read from per-view rows alone.
import { sql } from 'kysely';
import { AnalyticsService } from '../packages/server/src/analytics/analytics.service.ts';
import { CmcdJoin } from '../packages/server/src/analytics/cmcd-join.ts';
import { rollUpAnalytics } from '../packages/server/src/analytics/analytics-rollup.ts';
import {
  CLOSE_SLACK_MS,
  closedBefore,
  floorHour,
  HOUR_MS,
  VIEW_OPEN_MS,
} from '../packages/server/src/analytics/rollup-window.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../packages/server/src/db/database.ts';
import { createRepositories, unitOfWork } from '../packages/server/src/repositories/repositories.ts';
import { startPostgres } from '../packages/testkit/src/postgres.ts';
import { foreignCores, sampleCpu } from './lib/cpu.ts';
import type { BenchContext, BenchReport } from './lib/harness.ts';

const DAY = 24 * HOUR_MS;
/** Views in the 30 days (BENCH_ANALYTICS_VIEWS), stored as rollups. */
const VIEWS = Number(process.env.BENCH_ANALYTICS_VIEWS ?? 10_000_000);
/** Views stored as per-view rows for the baseline (BENCH_ANALYTICS_BASELINE_VIEWS); inserting them is the slow part. */
const BASELINE_VIEWS = Number(process.env.BENCH_ANALYTICS_BASELINE_VIEWS ?? 2_000_000);
const MEDIA = 200;
const RUNS = Number(process.env.BENCH_ANALYTICS_RUNS ?? 20);
const WARMUP = 3;
const TARGET_MS = 500;
const NOW = floorHour(Date.UTC(2026, 10, 20)) + 23 * 60_000;
const TENANT = 'ten_bench';

interface Timing {
  store: string;
  dashboard: string;
  views: number;
  rows: string;
  p50: number;
  p95: number;
}

export default async function analyticsBenchmark(ctx: BenchContext): Promise<BenchReport> {
  if (!(Number.isInteger(VIEWS) && VIEWS >= MEDIA * 720))
    throw new Error('BENCH_ANALYTICS_VIEWS is too small');
  ctx.log('PostgreSQL: starting a throwaway server');
  const pg = await startPostgres();
  const pgResource = ctx.scope.track({
    name: 'PostgreSQL',
    close: () => pg.stop(),
    closeNow: () => undefined,
  });
  const timings: Timing[] = [];
  const before = sampleCpu();
  let version = '';
  let rollupJob = { hours: 0, seconds: 0 };

  const rolled = openDatabase({ kind: 'postgres', url: await pg.createDatabase('kino_analytics_rollups') });
  try {
    await migrateToLatest(rolled.db);
    version =
      (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(rolled.db)).rows[0]
        ?.v ?? '';
    const fill = await fillRollups(ctx, rolled);
    timings.push(...(await timeDashboards(ctx, rolled, 'rollups + open hours', fill)));
    // The job at a later hour: the open hours' per-view rows rolled up too (no open edge left).
    const started = performance.now();
    const later = await rollUpAnalytics(
      {
        repos: createRepositories(rolled.db, rolled.dialect),
        transaction: unitOfWork(rolled),
        now: () => NOW + VIEW_OPEN_MS + CLOSE_SLACK_MS,
      },
      { viewRetentionMs: 400 * DAY, rollupRetentionMs: 800 * DAY },
    );
    rollupJob = { hours: later.hours, seconds: (performance.now() - started) / 1000 };
    ctx.log(`rollup job: ${later.hours} hours in ${rollupJob.seconds.toFixed(1)} s`);
    await sql`vacuum analyze`.execute(rolled.db);
    timings.push(...(await timeDashboards(ctx, rolled, 'rollups only', 'rollups of every hour before now')));
  } finally {
    await rolled.close();
  }

  const raw = openDatabase({ kind: 'postgres', url: await pg.createDatabase('kino_analytics_views') });
  try {
    await migrateToLatest(raw.db);
    const started = performance.now();
    await setUp(raw);
    await insertViews(raw, NOW - 30 * DAY, NOW, BASELINE_VIEWS);
    await sql`vacuum analyze analytics_views`.execute(raw.db);
    ctx.log(`per-view rows: ${BASELINE_VIEWS.toLocaleString('en')} in ${seconds(started)} s`);
    timings.push(
      ...(await timeDashboards(
        ctx,
        raw,
        'per-view rows',
        `${BASELINE_VIEWS.toLocaleString('en')} view rows`,
      )),
    );
  } finally {
    await raw.close();
  }
  await ctx.scope.release(pgResource);
  return report(timings, version, rollupJob, foreignCores(before, sampleCpu()));
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/** The tenant and its media (titles for top media). */
async function setUp(handle: DatabaseHandle): Promise<void> {
  await sql`insert into tenants (id, name, created_at, updated_at) values (${TENANT}, 'bench', 1, 1)`.execute(
    handle.db,
  );
  await sql`insert into media (id, tenant_id, title, description, tags, visibility, status, created_at, updated_at)
    select 'med_' || m, ${TENANT}, 'Media ' || m, '', '[]', 'public', 'ready', 1, 1
    from generate_series(1, ${MEDIA}::int) m`.execute(handle.db);
}

/**
 * Rollups of VIEWS views over the 30 days' closed hours (generate_series, one statement per
 * table), the tenant-wide rows made by the repository as the job makes them, and per-view rows
 * for the hours still open at NOW, as many per hour as the rollups hold.
 */
async function fillRollups(ctx: BenchContext, handle: DatabaseHandle): Promise<string> {
  const started = performance.now();
  await setUp(handle);
  const from = floorHour(NOW - 30 * DAY);
  const closed = closedBefore(NOW);
  const hours = (closed - from) / HOUR_MS;
  const perRow = Math.round(VIEWS / (hours * MEDIA));
  // Views per media and hour vary from half to one and a half times the average.
  await sql`insert into analytics_rollups (tenant_id, media_id, hour, views, watch_ms, playing_ms, rebuffer_ms,
      rebuffer_count, failures, startup_failures, exits_before_start, started_views, bitrate_kbps_ms)
    select ${TENANT}, 'med_' || m, ${from}::bigint + h * ${HOUR_MS}::bigint, v, v * 300000, v * 290000, v * 2000,
      v / 10, v / 50, v / 100, v / 40, v - v / 20, v::bigint * 290000 * 2500
    from generate_series(0, ${hours - 1}::int) h, generate_series(1, ${MEDIA}::int) m,
      lateral (select ${Math.floor(perRow / 2)}::int + ((h * 31 + m * 17) % ${perRow + 1}::int) as v) views`.execute(
    handle.db,
  );
  // Twelve startup buckets (about 0.3 to 4 s) per rollup.
  await sql`insert into analytics_rollup_buckets (tenant_id, media_id, hour, bucket, views)
    select tenant_id, media_id, hour, b, greatest(1, started_views / 12)
    from analytics_rollups, generate_series(22, 33) b`.execute(handle.db);
  ctx.log(`rollups: per media stored in ${seconds(started)} s`);
  const rollups = createRepositories(handle.db, handle.dialect).analyticsRollups;
  for (let hour = from; hour < closed; hour += HOUR_MS) await rollups.insertTenantHour(hour);
  await rollups.begin(closed);
  const open = Math.round(((NOW - closed) / HOUR_MS) * perRow * MEDIA);
  await insertViews(handle, closed, NOW, open);
  await sql`vacuum analyze`.execute(handle.db);
  const stored = await sql<{ views: number; rows: number }>`
    select sum(views)::bigint as views, count(*) as rows from analytics_rollups where media_id <> ''`.execute(
    handle.db,
  );
  const row = stored.rows[0];
  ctx.log(
    `rollups: ${Number(row?.views).toLocaleString('en')} views in ${Number(row?.rows).toLocaleString('en')} ` +
      `rows, ${open.toLocaleString('en')} per-view rows for the open hours, in ${seconds(started)} s`,
  );
  return `${Number(row?.rows).toLocaleString('en')} rollups + ${open.toLocaleString('en')} view rows`;
}

/** `count` per-view rows spread evenly over [from, to), over the media, in batches of a million. */
async function insertViews(handle: DatabaseHandle, from: number, to: number, count: number): Promise<void> {
  const step = (to - from) / count;
  for (let first = 0; first < count; first += 1_000_000) {
    const last = Math.min(count, first + 1_000_000) - 1;
    await sql`insert into analytics_views (id, tenant_id, media_id, started_at, updated_at, beacon_count, player,
        browser, os, play_requested, startup_ms, startup_bucket, playing_ms, rebuffer_count, rebuffer_ms,
        bitrate_kbps_ms, renditions, error_fatal, failed_before_start, ended, last_t)
      select 'v' || i, ${TENANT}, 'med_' || (1 + i % ${MEDIA}), ${from}::bigint + floor(i * ${step}::float8)::bigint,
        ${from}::bigint + floor(i * ${step}::float8)::bigint, 3, 'kino-player', 'Chrome 130', 'Linux', 1,
        300 + i % 3700, 22 + i % 12, 290000, (i % 10 = 0)::int, (i % 10 = 0)::int * 20000, 725000000, '[]',
        (i % 50 = 0)::int, (i % 100 = 0)::int, 1, 300000
      from generate_series(${first}::int, ${last}::int) i`.execute(handle.db);
  }
}

async function timeDashboards(
  ctx: BenchContext,
  handle: DatabaseHandle,
  store: string,
  rows: string,
): Promise<Timing[]> {
  const repos = createRepositories(handle.db, handle.dialect);
  const service = new AnalyticsService({
    repos,
    grants: { readBeaconGrant: () => Promise.reject(new Error('no beacons in this benchmark')) },
    cmcd: new CmcdJoin(),
  });
  const period = { from: NOW - 30 * DAY, to: NOW };
  const dashboards = [
    { name: 'tenant, 30 days', scope: { tenantId: TENANT, ...period } },
    { name: 'one media, 30 days', scope: { tenantId: TENANT, mediaId: 'med_7', ...period } },
  ];
  const timings: Timing[] = [];
  for (const { name, scope } of dashboards) {
    let views = 0;
    const times: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const started = performance.now();
      views = (await service.report(scope)).views;
      if (i >= WARMUP) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? 0;
    timings.push({ store, dashboard: name, views, rows, p50: at(0.5), p95: at(0.95) });
    ctx.log(
      `${store}, ${name}: ${views.toLocaleString('en')} views, p50 ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms`,
    );
  }
  return timings;
}

function report(
  timings: Timing[],
  version: string,
  rollupJob: { hours: number; seconds: number },
  foreign: number | undefined,
): BenchReport {
  const target = timings.find((t) => t.store.startsWith('rollups') && t.dashboard.startsWith('tenant'));
  return {
    title: 'Playback analytics: the 30-day dashboard',
    intro: [
      `PostgreSQL ${version} (a throwaway local server with fsync off, on the same machine). One tenant with ` +
        `${MEDIA} media and ${VIEWS.toLocaleString('en')} views over 30 days, stored as the \`analytics.rollup\` ` +
        `job leaves them: hourly rollups per media (made with \`generate_series\`, views per media and hour ` +
        `varying from half to one and a half times the average, twelve startup-histogram buckets each), the ` +
        `tenant-wide row per hour made by \`AnalyticsRollupsRepository.insertTenantHour\`, and per-view rows for ` +
        `the hours still open (12 h 15 min to 13 h 15 min before now), as many per hour as the rollups hold.`,
      `**rollups only** is the same database after the \`analytics.rollup\` job ran as it would 12 h 15 min ` +
        `later (\`rollUpAnalytics\`): the open hours' per-view rows are rolled up too, leaving no open edge; ` +
        `the job took ${rollupJob.seconds.toFixed(1)} s for those ${rollupJob.hours} hours ` +
        `(one transaction each, about ${Math.round(VIEWS / (30 * 24)).toLocaleString('en')} views per hour).`,
      `The baseline is the same dashboard read from per-view rows alone (no rollup yet), with ` +
        `${BASELINE_VIEWS.toLocaleString('en')} views over the 30 days (BENCH_ANALYTICS_BASELINE_VIEWS; inserting ` +
        `10 million of them with their indexes takes longer than this benchmark should). Each dashboard is ` +
        `\`AnalyticsService.report\` (totals, startup p50/p95 from the histogram, the daily series, top 10 media), ` +
        `the whole answer of \`GET /v1/analytics\` without HTTP, run ${WARMUP} times to warm up, then ${RUNS} ` +
        `times timed. Target: the 30-day dashboard of 10 million views in 500 ms or less.`,
    ],
    columns: ['read from', 'dashboard', 'views', 'stored', 'p50 (ms)', 'p95 (ms)'],
    rows: timings.map((t) => [
      t.store,
      t.dashboard,
      t.views.toLocaleString('en'),
      t.rows,
      t.p50.toFixed(1),
      t.p95.toFixed(1),
    ]),
    notes: [
      target
        ? `Target ${target.p95 <= TARGET_MS ? 'met' : 'missed'}: p95 ${target.p95.toFixed(0)} ms for ` +
          `${target.views.toLocaleString('en')} views (${TARGET_MS} ms or less).`
        : 'No rollup timing.',
      ...(foreign !== undefined && foreign > 0.1
        ? [`Other processes used ${foreign.toFixed(2)} cores during the run: the timings are pessimistic.`]
        : []),
    ],
  };
}
