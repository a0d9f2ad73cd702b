import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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
import { sessionWorkdir } from './live-session.ts';
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

  it('removes on start the work folders of sessions a killed live process left behind', async () => {
    const workRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'livereview-ingest-'));
    const left = await sessionWorkdir(workRoot, 'med_01left', 0);
    await fs.writeFile(path.join(left, 'init.mp4'), 'partial');
    const hourAgo = new Date(Date.now() - 3600_000);
    await fs.utimes(path.join(left, 'init.mp4'), hourAgo, hourAgo);
    await fs.utimes(left, hourAgo, hourAgo);
    const ingest = new LiveIngest({
      transaction,
      queue,
      storage: {} as Storage,
      workRoot,
      logger: pino({ level: 'silent' }),
      metrics: createLiveMetrics(new Registry()),
    });
    ingest.start();
    try {
      await expect
        .poll(
          () =>
            fs.stat(left).then(
              () => true,
              () => false,
            ),
          { timeout: 5000 },
        )
        .toBe(false);
    } finally {
      await ingest.stop();
      await fs.rm(workRoot, { recursive: true, force: true });
    }
  });

  it('a publisher taken away (reset key, complete, disable) no longer counts as active', async () => {
    const service = new LiveStreamsService({ repos, transaction, queue });
    const { row, streamKey } = await service.create(tenant, {});
    const workRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'livereview-ingest-'));
    const registry = new Registry();
    const ingest = new LiveIngest({
      transaction,
      queue,
      storage: {} as Storage,
      workRoot,
      logger: pino({ level: 'silent' }),
      metrics: createLiveMetrics(registry),
    });
    const active = async () =>
      (await registry.getSingleMetric('kino_live_broadcasts_active')?.get())?.values[0]?.value;
    try {
      let disconnected = false;
      const verdict = await ingest['publish']({
        protocol: 'rtmp',
        streamKey: streamKey ?? '',
        remote: '127.0.0.1:1',
        disconnect: () => {
          disconnected = true;
        },
      });
      expect('refused' in verdict).toBe(false);
      expect(await active()).toBe(1);
      await ingest.kick(row.id);
      expect(disconnected).toBe(true);
      expect(await active()).toBe(0);
    } finally {
      await ingest.stop();
      await fs.rm(workRoot, { recursive: true, force: true });
    }
  });
});
