import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeViews } from '../../test/analytics-views.ts';
import { DIALECTS, freshDatabaseConfig } from '../../test/databases.ts';
import { createTenant } from '../../test/job-fixtures.ts';
import type { DatabaseConfig } from '../config/config.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database.ts';
import { createRepositories, unitOfWork, type Repositories } from '../repositories/repositories.ts';
import { rollUpAnalytics } from './analytics-rollup.ts';
import { AnalyticsService } from './analytics.service.ts';
import { CmcdJoin } from './cmcd-join.ts';
import { closedBefore, floorHour, HOUR_MS } from './rollup-window.ts';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/analytics-rollup-run.ts', import.meta.url));
const SERVER_DIR = fileURLToPath(new URL('../../', import.meta.url));
const NOW = Date.UTC(2026, 10, 20, 17, 23, 11, 412);
/** One view in each of this many hours before NOW: enough rollup transactions to kill the run among them. */
const HOURS = 800;
const HOURS_BEFORE_KILL = 5;
const WAIT_MS = 120_000;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DIALECTS)('an analytics rollup whose worker is killed on %s', (dialect) => {
  let config: DatabaseConfig;
  let handle: DatabaseHandle;
  let repos: Repositories;
  beforeAll(async () => {
    config = await freshDatabaseConfig(dialect);
    handle = openDatabase(config);
    await migrateToLatest(handle.db);
    repos = createRepositories(handle.db, handle.dialect);
  });
  afterAll(() => handle.close());

  it(
    'leaves every hour rolled up whole or not at all, and the next run equals the per-view sums',
    { timeout: 600_000 },
    async () => {
      const tenantId = await createTenant(repos, 'a');
      const first = floorHour(NOW) - HOURS * HOUR_MS;
      await storeViews(repos, {
        count: HOURS,
        seed: 3,
        media: [
          { tenantId, mediaId: 'med_1' },
          { tenantId, mediaId: 'med_2' },
        ],
        startedAt: (random, i) => first + i * HOUR_MS + Math.floor(random() * HOUR_MS),
      });
      const service = new AnalyticsService({
        repos,
        grants: { readBeaconGrant: () => Promise.reject(new Error('no beacons here')) },
        cmcd: new CmcdJoin(),
      });
      const period = { tenantId, from: first - 1, to: NOW };
      const expected = await service.report(period);
      expected.topMedia = [];

      const child = spawn(
        process.execPath,
        ['--import', 'tsx', FIXTURE, JSON.stringify(config), String(NOW)],
        {
          cwd: SERVER_DIR,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
        child.once('exit', (code, signal) => {
          resolve(signal ?? code);
        });
      });
      // Killed once it has written a few hours, in the middle of the run.
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const mark = await repos.analyticsRollups.rolledUntil();
        if (mark !== null && mark >= first + HOURS_BEFORE_KILL * HOUR_MS) break;
        if (Date.now() > deadline || output.includes('done'))
          throw new Error(`not killed mid-run:\n${output}`);
        await delay(10);
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      const mark = (await repos.analyticsRollups.rolledUntil()) ?? first;
      expect(mark).toBeLessThan(closedBefore(NOW));

      // Each hour before the mark holds exactly its views (per media and for the tenant); none after it.
      const perHour = await sql<{ hour: number; media_id: string; views: number; expected: number }>`
      select r.hour, r.media_id, r.views,
        (select count(*) from analytics_views v
          where v.play_requested = 1 and v.started_at >= r.hour and v.started_at < r.hour + ${HOUR_MS}
            and (r.media_id = '' or v.media_id = r.media_id)) as expected
      from analytics_rollups r`.execute(handle.db);
      expect(perHour.rows.length).toBeGreaterThan(0);
      for (const row of perHour.rows) {
        expect(row.hour).toBeLessThan(mark);
        expect(row.views).toBe(row.expected);
      }
      const tenantHours = perHour.rows.filter((r) => r.media_id === '').map((r) => r.hour);
      const mediaHours = new Set(perHour.rows.filter((r) => r.media_id !== '').map((r) => r.hour));
      expect(new Set(tenantHours)).toEqual(mediaHours);
      expect({ ...(await service.report(period)), topMedia: [] }).toEqual(expected);

      // The next run goes on from the mark and completes.
      const done = await rollUpAnalytics(
        { repos, transaction: unitOfWork(handle), now: () => NOW, maxHours: HOURS },
        { viewRetentionMs: 400 * 86_400_000, rollupRetentionMs: 800 * 86_400_000 },
      );
      expect(done.rolledUntil).toBe(closedBefore(NOW));
      expect({ ...(await service.report(period)), topMedia: [] }).toEqual(expected);
    },
  );
});
