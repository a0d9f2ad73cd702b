import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeViews } from '../../test/analytics-views.ts';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import { createTenant } from '../../test/job-fixtures.ts';
import type { DatabaseHandle } from '../db/database.ts';
import {
  createRepositories,
  unitOfWork,
  type Repositories,
  type UnitOfWork,
} from '../repositories/repositories.ts';
import { rollUpAnalytics } from './analytics-rollup.ts';
import { AnalyticsService } from './analytics.service.ts';
import { CmcdJoin } from './cmcd-join.ts';
import { closedBefore, floorHour, HOUR_MS, VIEW_OPEN_MS } from './rollup-window.ts';

const DAY = 86_400_000;
/** A time that is not on an hour, so periods ending now have partial hours at both ends. */
const NOW = Date.UTC(2026, 10, 20, 17, 23, 11, 412);
const VIEWS = 600;
const RETENTION = { viewRetentionMs: 20 * DAY, rollupRetentionMs: 30 * DAY };
/** Keeps everything the tests store. */
const KEEP_ALL = { viewRetentionMs: 400 * DAY, rollupRetentionMs: 800 * DAY };

/** Periods with partial hours at their ends, and ones made of whole hours. */
const RAGGED = [
  { from: NOW - 30 * DAY, to: NOW },
  { from: NOW - 2 * DAY, to: NOW },
  { from: NOW - 35 * DAY - 17 * 60_000, to: NOW - 3 * DAY + 5 * 60_000 },
  { from: NOW - 20 * HOUR_MS - 1, to: NOW - 5 * HOUR_MS + 1 },
];
const WHOLE_HOURS = [
  { from: floorHour(NOW - 29 * DAY), to: floorHour(NOW) + HOUR_MS },
  { from: floorHour(NOW - 2 * DAY), to: floorHour(NOW) + HOUR_MS },
  { from: floorHour(NOW - 10 * DAY), to: floorHour(NOW - DAY) },
];

describe.each(DIALECTS)('analytics rollups on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  let transaction: UnitOfWork;
  let service: AnalyticsService;
  const tenants: string[] = [];
  const mediaIds = ['med_a1', 'med_a2', 'med_a3', 'med_b1', 'med_b2'];

  /** Every dashboard and usage figure of the periods, as the API would answer them. */
  async function dashboards(periods: readonly { from: number; to: number }[]) {
    const answers: unknown[] = [];
    for (const period of periods) {
      for (const tenantId of [...tenants, undefined]) {
        answers.push(await service.report({ tenantId, ...period }));
        answers.push(
          (await repos.analytics.viewsPerDay({ tenantId, ...period })).sort(
            (a, b) => a.day - b.day || a.tenantId.localeCompare(b.tenantId),
          ),
        );
      }
      for (const mediaId of mediaIds.slice(0, 2))
        answers.push(await service.report({ tenantId: undefined, mediaId, ...period }));
    }
    return answers;
  }

  const rollUp = (opts: { maxHours?: number; retention?: typeof RETENTION } = {}) =>
    rollUpAnalytics(
      { repos, transaction, now: () => NOW, maxHours: opts.maxHours },
      opts.retention ?? KEEP_ALL,
    );

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    transaction = unitOfWork(handle);
    service = new AnalyticsService({
      repos,
      grants: { readBeaconGrant: () => Promise.reject(new Error('no beacons here')) },
      cmcd: new CmcdJoin(),
    });
    tenants.push(await createTenant(repos, 'a'), await createTenant(repos, 'b'));
    const [a = '', b = ''] = tenants;
    const media = mediaIds.map((mediaId) => ({ tenantId: mediaId.startsWith('med_a') ? a : b, mediaId }));
    // 40 days of views, clustered in some hours, with the last ones in hours still open.
    await storeViews(repos, {
      count: VIEWS,
      seed: 7,
      media,
      startedAt: (random) => NOW - Math.floor(random() ** 2 * 40 * DAY),
    });
  });
  afterAll(() => handle.close());

  it('leaves the dashboards as the per-view rows give them, hour by hour, and sums each hour exactly', async () => {
    const ragged = await dashboards(RAGGED);
    const whole = await dashboards(WHOLE_HOURS);
    expect(JSON.stringify(ragged)).toContain('"views"');

    // A run stopped after a few hours, then one that goes to the end.
    const first = await rollUp({ maxHours: 3 });
    expect(first.hours).toBe(3);
    expect(await dashboards(RAGGED)).toEqual(ragged);
    const rest = await rollUp();
    expect(rest.rolledUntil).toBe(closedBefore(NOW));
    expect(await repos.analyticsRollups.rolledUntil()).toBe(closedBefore(NOW));
    expect(await dashboards(RAGGED)).toEqual(ragged);
    expect(await dashboards(WHOLE_HOURS)).toEqual(whole);

    // Each rollup row is the sum of its hour's views, per media and over every media of a tenant.
    const views = await handle.db
      .selectFrom('analytics_views')
      .selectAll()
      .where('play_requested', '=', 1)
      .execute();
    const rollups = await handle.db.selectFrom('analytics_rollups').selectAll().execute();
    const expected = new Map<
      string,
      { views: number; playing: number; rebuffers: number; failures: number }
    >();
    for (const v of views) {
      const hour = floorHour(v.started_at);
      if (hour >= closedBefore(NOW)) continue;
      for (const key of [`${v.tenant_id}/${v.media_id}/${hour}`, `${v.tenant_id}//${hour}`]) {
        const sum = expected.get(key) ?? { views: 0, playing: 0, rebuffers: 0, failures: 0 };
        sum.views++;
        sum.playing += v.playing_ms;
        sum.rebuffers += v.rebuffer_count;
        sum.failures += v.error_fatal;
        expected.set(key, sum);
      }
    }
    const actual = new Map(
      rollups.map((r) => [
        `${r.tenant_id}/${r.media_id}/${r.hour}`,
        {
          views: r.views,
          playing: r.playing_ms,
          rebuffers: r.rebuffer_count,
          failures: r.failures,
        },
      ]),
    );
    expect(actual).toEqual(expected);
    expect(new Set(rollups.map((r) => r.hour)).size).toBeGreaterThan(50);

    // Running again changes nothing.
    expect((await rollUp()).hours).toBe(0);
    expect(await dashboards(RAGGED)).toEqual(ragged);
  });

  it('keeps per-view rows until their hour is rolled up, then removes what the retention says', async () => {
    const whole = await dashboards(WHOLE_HOURS);
    const viewCut = floorHour(NOW - RETENTION.viewRetentionMs);
    const rollupCut = floorHour(NOW - RETENTION.rollupRetentionMs);
    const count = async (
      table: 'analytics_views' | 'analytics_rollups',
      column: 'started_at' | 'hour',
      before: number,
    ) =>
      Number(
        (
          await handle.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where(column, '<', before)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const viewsKept = Number(
      (
        await handle.db
          .selectFrom('analytics_views')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('started_at', '>=', viewCut)
          .executeTakeFirstOrThrow()
      ).n,
    );
    const outcome = await rollUp({ retention: RETENTION });
    expect(outcome.hours).toBe(0);
    expect(outcome.viewsRemoved).toBeGreaterThan(0);
    expect(outcome.rollupRowsRemoved).toBeGreaterThan(0);
    expect(await count('analytics_views', 'started_at', viewCut)).toBe(0);
    expect(await count('analytics_rollups', 'hour', rollupCut)).toBe(0);
    expect(await count('analytics_rollups', 'hour', viewCut)).toBeGreaterThan(0);
    const afterCut = await handle.db
      .selectFrom('analytics_views')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(afterCut.n)).toBe(viewsKept);
    expect(await dashboards(WHOLE_HOURS)).toEqual(whole);
  });
});

describe.each(DIALECTS)('an analytics rollup that fails half-way on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
  });
  afterAll(() => handle.close());

  it('leaves whole hours or none, keeps views not rolled up, and the next run completes', async () => {
    const transaction = unitOfWork(handle);
    const tenantId = await createTenant(repos, 'a');
    const media = [
      { tenantId, mediaId: 'med_1' },
      { tenantId, mediaId: 'med_2' },
    ];
    await storeViews(repos, {
      count: 300,
      seed: 11,
      media,
      startedAt: (random) => NOW - Math.floor(random() * 10 * DAY),
    });
    const service = new AnalyticsService({
      repos,
      grants: { readBeaconGrant: () => Promise.reject(new Error('no beacons here')) },
      cmcd: new CmcdJoin(),
    });
    const period = { tenantId, from: NOW - 12 * DAY, to: NOW };
    const before = await service.report(period);

    // The third hour's transaction throws after its per-media rows were written.
    let tenantSums = 0;
    const failing: UnitOfWork = (work) =>
      transaction((trx) =>
        work(
          new Proxy(trx, {
            get(target, key) {
              if (key !== 'analyticsRollups') return Reflect.get(target, key) as unknown;
              const rollups = target.analyticsRollups;
              return new Proxy(rollups, {
                get(r, name) {
                  if (name === 'insertTenantHour')
                    return async (hour: number) => {
                      if (++tenantSums === 3) throw new Error('failpoint: between the writes of an hour');
                      await r.insertTenantHour(hour);
                    };
                  const value = Reflect.get(r, name) as unknown;
                  return typeof value === 'function'
                    ? (value as (...a: unknown[]) => unknown).bind(r)
                    : value;
                },
              });
            },
          }),
        ),
      );
    const retention = { viewRetentionMs: DAY, rollupRetentionMs: 30 * DAY };
    await expect(rollUpAnalytics({ repos, transaction: failing, now: () => NOW }, retention)).rejects.toThrow(
      /failpoint/,
    );
    const mark = await repos.analyticsRollups.rolledUntil();
    expect(mark).not.toBeNull();
    const rows = await handle.db.selectFrom('analytics_rollups').select(['hour', 'media_id']).execute();
    // Two whole hours: their per-media rows and their tenant sums; nothing of the third.
    expect(new Set(rows.map((r) => r.hour)).size).toBe(2);
    expect(rows.every((r) => r.hour < (mark ?? 0))).toBe(true);
    expect(rows.filter((r) => r.media_id === '').length).toBe(2);
    // Nothing was removed: the run stopped before retention.
    const left = await handle.db
      .selectFrom('analytics_views')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(300);
    expect(await service.report(period)).toEqual(before);

    const done = await rollUpAnalytics({ repos, transaction, now: () => NOW }, retention);
    expect(done.rolledUntil).toBe(closedBefore(NOW));
    expect(done.viewsRemoved).toBeGreaterThan(0);
    expect(await service.report(period)).toEqual(before);
  });
});

describe.each(DIALECTS)('a view whose hour may be rolled up, on %s', (dialect) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
  });
  afterAll(() => handle.close());

  it('takes beacons for 12 hours after it began, then drops them (its figures are final)', async () => {
    const repos = createRepositories(handle.db, handle.dialect);
    const tenantId = await createTenant(repos, 'a');
    const started = NOW - VIEW_OPEN_MS;
    await storeViews(repos, {
      count: 1,
      seed: 5,
      media: [{ tenantId, mediaId: 'med_1' }],
      startedAt: () => started,
    });
    let now = started + VIEW_OPEN_MS - 1000;
    const service = new AnalyticsService({
      repos,
      grants: {
        readBeaconGrant: () =>
          Promise.resolve({
            ok: true,
            grant: { mediaId: 'med_1', tenantId, expiresAt: now + DAY },
            keyId: 'k',
          }),
      },
      cmcd: new CmcdJoin(),
      now: () => now,
    });
    const beacon = { grant: 'g', view: 'view_5_0', events: [{ e: 'heartbeat' as const, t: 1000, p: 1000 }] };
    const client = { userAgent: undefined, ip: '192.0.2.1' };
    await service.ingest(beacon, client);
    const open = await repos.analytics.view('view_5_0');
    expect(open?.beacon_count).toBe(2);
    now = started + VIEW_OPEN_MS + 1;
    await service.ingest(beacon, client);
    expect(await repos.analytics.view('view_5_0')).toEqual(open);
  });
});
