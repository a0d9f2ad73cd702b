import os from 'node:os';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { jobCatalog } from '../jobs/catalog.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import {
  createRepositories,
  unitOfWork,
  type Repositories,
  type UnitOfWork,
} from '../repositories/repositories.ts';
import type { Storage } from '../storage/storage.ts';
import { startOrContinue } from './broadcasts.ts';
import { LiveIngest } from './live-ingest.ts';
import { createLiveMetrics } from './live-metrics.ts';
import { LiveStreamsService } from './live-streams.service.ts';

describe.each(DIALECTS)('live ingest timers on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  let transaction: UnitOfWork;
  let queue: JobQueue<typeof jobCatalog>;
  const tenant = newId('ten');
  const clock = { now: 1_000_000 };

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    transaction = unitOfWork(handle);
    queue = new JobQueue({ catalog: jobCatalog, repos, transaction, tenantConcurrency: 4 });
    await repos.tenants.create({ id: tenant, name: 't', created_at: 1, updated_at: 1 });
  });
  afterAll(() => handle.close());

  it('a publisher that reconnects while the sweep is ending its expired window keeps its broadcast', async () => {
    const service = new LiveStreamsService({ repos, transaction, queue, now: () => clock.now });
    const { row: created } = await service.create(tenant, { reconnectWindowSeconds: 1 });
    // A first publisher started a broadcast and dropped; its window has passed.
    const media = await transaction(async (r) => {
      const claimed = await r.liveStreams.claim(created.id, 'first', clock.now, clock.now - 7000);
      if (!claimed) throw new Error('not claimed');
      return (await startOrContinue({ repos: r, queue, now: clock.now }, claimed)).media;
    });
    await repos.liveStreams.release(created.id, 'first', clock.now + 1000, clock.now);
    clock.now += 5000;
    // The encoder comes back just after the sweep listed the stream as expired.
    let reconnected = false;
    const racing: UnitOfWork = async (work) => {
      const seen = { listed: false };
      const result = await transaction((r) => {
        const liveStreams = Object.create(r.liveStreams) as Repositories['liveStreams'];
        liveStreams.listExpired = (now) => {
          seen.listed = true;
          return r.liveStreams.listExpired(now);
        };
        return work({ ...r, liveStreams });
      });
      if (seen.listed && !reconnected) {
        reconnected = true;
        await transaction(async (r) => {
          const claimed = await r.liveStreams.claim(created.id, 'second', clock.now, clock.now - 7000);
          if (!claimed) throw new Error('the reconnecting publisher was refused');
          await startOrContinue({ repos: r, queue, now: clock.now }, claimed);
        });
      }
      return result;
    };
    const ingest = new LiveIngest({
      transaction: racing,
      queue,
      storage: {} as Storage,
      workRoot: os.tmpdir(),
      logger: pino({ level: 'silent' }),
      metrics: createLiveMetrics(new Registry()),
      now: () => clock.now,
    });
    await ingest.sweep();
    const stream = await repos.liveStreams.get(tenant, created.id);
    expect(stream?.status).toBe('active');
    expect(stream?.owner).toBe('second');
    expect(stream?.active_media_id).toBe(media.id);
    expect((await repos.media.get(tenant, media.id))?.live_status).toBe('active');
  });
});
