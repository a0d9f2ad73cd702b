import type { StatsFs } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';
import { FREE_DISK_FLOOR_BYTES, diskSpaceProbe } from '../processing/disk-space.ts';
import { healthWarnings, type HealthFacts } from './health-warnings.ts';

const calm: HealthFacts = {
  aliveWorkers: 1,
  workerWindowSeconds: 30,
  oldestWaitingAgeSeconds: null,
  staleQueueSeconds: 300,
  database: { ok: true },
  storage: { ok: true },
};

describe('the low disk warning', () => {
  it('is given below the floor processing keeps free, and not above it', () => {
    const low = healthWarnings({ ...calm, disk: { freeBytes: 512 * 1024 ** 2, floorBytes: 1024 ** 3 } });
    expect(low).toEqual([{ code: 'low_disk', message: expect.stringContaining('0.50 GiB free') as string }]);
    expect(healthWarnings({ ...calm, disk: { freeBytes: 2 * 1024 ** 3, floorBytes: 1024 ** 3 } })).toEqual(
      [],
    );
    expect(healthWarnings({ ...calm, disk: null })).toEqual([]);
  });
});

describe('GET /v1/system/health', () => {
  let kino: TestKino;
  beforeAll(async () => {
    kino = await startTestKino('sqlite');
  });
  afterAll(() => kino.close());
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const health = async () => {
    const res = await kino.app.inject({
      method: 'GET',
      url: '/v1/system/health',
      headers: { authorization: `Bearer ${OPERATOR_KEY}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<{
      disk: { freeBytes: number; floorBytes: number } | null;
      warnings: { code: string }[];
    }>();
  };

  it("reports the data folder's free disk", async () => {
    const report = await health();
    expect(report.disk?.freeBytes).toBeGreaterThan(0);
    expect(report.disk?.floorBytes).toBe(FREE_DISK_FLOOR_BYTES);
  });

  it('warns when it is almost full', async () => {
    vi.spyOn(diskSpaceProbe, 'statfs').mockResolvedValue({ bsize: 4096, bavail: 1000 } as unknown as StatsFs);
    const report = await health();
    expect(report.disk?.freeBytes).toBe(4096 * 1000);
    expect(report.warnings.map((w) => w.code)).toContain('low_disk');
  });
});
