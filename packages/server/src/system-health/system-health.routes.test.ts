import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';
import type { JobRow } from '../db/schema.ts';
import { newId } from '../lib/ids.ts';

interface Health {
  database: { ok: boolean; latencyMs: number };
  storage: { ok: boolean };
  ffmpeg: { ok: boolean; version?: string };
  workers: { id: string; host: string; pid: number; roles: string[]; runningJobs: number; alive: boolean }[];
  queue: Record<string, number | string | null>;
  failuresLastHour: number;
  warnings: { code: string; message: string }[];
}

const job = (extra: Partial<JobRow>): JobRow => ({
  id: newId('job'),
  type: 'maintenance.prune-jobs',
  payload: JSON.stringify({ keepFinishedForMs: 1000 }),
  tenant_id: null,
  priority: 90,
  state: 'available',
  attempt: 0,
  max_attempts: 3,
  timeout_ms: 60_000,
  run_at: Date.now(),
  lease_owner: null,
  lease_expires_at: null,
  progress_percent: null,
  progress_message: null,
  last_error: null,
  idempotency_key: null,
  parent_id: null,
  pending_children: 0,
  created_at: Date.now(),
  updated_at: Date.now(),
  started_at: null,
  finished_at: null,
  ...extra,
});

describe.each(DIALECTS)('system health on %s', (dialect) => {
  let kino: TestKino;
  beforeAll(async () => {
    kino = await startTestKino(dialect);
  });
  afterAll(() => kino.close());

  const health = async () => {
    const res = await kino.call(OPERATOR_KEY, 'GET', '/v1/system/health');
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Health>();
  };

  it('is for the operator only', async () => {
    const { key } = await kino.tenant();
    expect((await kino.call(key, 'GET', '/v1/system/health')).json()).toMatchObject({
      code: 'operator_only',
    });
    expect((await kino.call(null, 'GET', '/v1/system/health')).statusCode).toBe(401);
  });

  it('says that no worker runs, and reports the queue, its oldest job and recent failures', async () => {
    const idle = await health();
    expect(idle).toMatchObject({
      database: { ok: true },
      storage: { ok: true },
      ffmpeg: { ok: true, version: expect.any(String) },
      workers: [],
      queue: {
        waiting: 0,
        running: 0,
        retrying: 0,
        dead: 0,
        oldestWaitingAt: null,
        oldestWaitingAgeSeconds: null,
      },
      failuresLastHour: 0,
    });
    expect(idle.warnings).toEqual([
      {
        code: 'no_workers',
        message:
          'No worker has been seen in the last 30 seconds: media will stay "processing" until one runs (start Kino with KINO_ROLES including worker).',
      },
    ]);

    const tenMinutesAgo = Date.now() - 10 * 60_000;
    await kino.database.db
      .insertInto('jobs')
      .values([
        job({ run_at: tenMinutesAgo, created_at: tenMinutesAgo }),
        job({ state: 'dead', attempt: 3, last_error: 'boom', finished_at: Date.now() }),
        job({ state: 'dead', attempt: 3, last_error: 'old', finished_at: Date.now() - 2 * 3600_000 }),
      ])
      .execute();
    const busy = await health();
    expect(busy.queue).toMatchObject({
      waiting: 1,
      dead: 2,
      oldestWaitingAt: new Date(tenMinutesAgo).toISOString(),
    });
    expect(busy.queue.oldestWaitingAgeSeconds).toBeGreaterThanOrEqual(600);
    expect(busy.failuresLastHour).toBe(1);
    expect(busy.warnings.map((w) => w.code)).toEqual(['no_workers', 'stale_queue']);
  });

  it('lists a running worker, and drops the warning', async () => {
    kino.start();
    let seen: Health | undefined;
    for (let i = 0; i < 50 && !seen?.workers.length; i++) {
      seen = await health();
      if (!seen.workers.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen?.workers).toEqual([
      expect.objectContaining({
        host: expect.any(String),
        pid: process.pid,
        roles: ['api', 'worker', 'live'],
        alive: true,
      }),
    ]);
    expect(seen?.warnings.map((w) => w.code)).not.toContain('no_workers');
  });
});
