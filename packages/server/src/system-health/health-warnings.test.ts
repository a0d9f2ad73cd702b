import { describe, expect, it } from 'vitest';
import { healthWarnings, type HealthFacts } from './health-warnings.ts';

const healthy: HealthFacts = {
  aliveWorkers: 1,
  workerWindowSeconds: 30,
  oldestWaitingAgeSeconds: null,
  staleQueueSeconds: 300,
  database: { ok: true },
  storage: { ok: true },
};

describe('health warnings', () => {
  it('says nothing when all is well', () => {
    expect(healthWarnings(healthy)).toEqual([]);
    expect(healthWarnings({ ...healthy, oldestWaitingAgeSeconds: 300 })).toEqual([]);
  });

  it('says loudly that no worker runs, even with an idle queue', () => {
    expect(healthWarnings({ ...healthy, aliveWorkers: 0 })).toEqual([
      {
        code: 'no_workers',
        message:
          'No worker has been seen in the last 30 seconds: media will stay "processing" until one runs (start Kino with KINO_ROLES including worker).',
      },
    ]);
  });

  it('flags a queue whose oldest job waits too long, and unreachable dependencies', () => {
    const warnings = healthWarnings({
      ...healthy,
      oldestWaitingAgeSeconds: 601,
      database: { ok: false, error: 'connection refused' },
      storage: { ok: false, error: 'no answer within 3000 ms' },
    });
    expect(warnings.map((w) => w.code)).toEqual([
      'stale_queue',
      'database_unreachable',
      'storage_unreachable',
    ]);
    expect(warnings[0]?.message).toContain('10 minutes');
    expect(warnings[1]?.message).toContain('connection refused');
  });

  it('does not claim there is no worker when the database cannot tell', () => {
    expect(healthWarnings({ ...healthy, aliveWorkers: null }).map((w) => w.code)).toEqual([]);
  });
});
