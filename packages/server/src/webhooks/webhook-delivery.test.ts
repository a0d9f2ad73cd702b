import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../test/job-fixtures.ts';
import { DIALECTS, openTestDatabase } from '../../test/databases.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { createRepositories, unitOfWork, type Repositories } from '../repositories/repositories.ts';
import { jobCatalog } from '../jobs/catalog.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import { newId } from '../lib/ids.ts';
import { emitAndDispatch } from '../../test/emit-event.ts';
import { webhookDeliverHandler } from './webhook-deliver.handler.ts';
import { PAUSE_AFTER_DEAD_DELIVERIES } from './webhook-pause.ts';
import { newWebhookSecret, verifySignature } from './webhook-signature.ts';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local receiver answering with the statuses given, then 200. */
async function startReceiver() {
  const received: Received[] = [];
  const script: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(script.shift() ?? 200, { 'content-type': 'text/plain' }).end('x'.repeat(3000));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe.each(DIALECTS)('webhook delivery on %s', (dialect) => {
  let handle: DatabaseHandle;
  let repos: Repositories;
  let queue: JobQueue<typeof jobCatalog>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let clock = Date.now();
  const now = () => clock;

  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    repos = createRepositories(handle.db, handle.dialect);
    queue = new JobQueue({
      catalog: jobCatalog,
      repos,
      transaction: unitOfWork(handle),
      tenantConcurrency: 100,
      now,
    });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await handle.close();
  });

  /** Claims and runs every due webhook job once, as a worker would, recording the outcome. */
  async function runDueJobs(handler: JobHandler<unknown>): Promise<number> {
    const jobs = (await queue.claim('test-worker', 50, 60_000)).filter((j) => j.type === 'webhook.deliver');
    for (const job of jobs) {
      const payload: unknown = JSON.parse(job.payload);
      const ctx = { job, payload, signal: new AbortController().signal, progress: () => undefined };
      try {
        await handler(ctx);
        await queue.complete(job, 'test-worker');
      } catch (err) {
        await queue.fail(job, 'test-worker', err);
      }
    }
    return jobs.length;
  }

  async function endpoint(tenantId: string, url = receiver.url, events: string[] = []) {
    const secret = newWebhookSecret();
    const row = await repos.webhooks.createEndpoint({
      id: newId('whk'),
      tenant_id: tenantId,
      url,
      description: '',
      events: JSON.stringify(events),
      secret,
      paused: 0,
      paused_reason: null,
      failing_since: null,
      consecutive_dead: 0,
      created_at: clock,
      updated_at: clock,
    });
    return { ...row, secret };
  }

  const emit = (tenantId: string, type: 'media.ready' | 'media.errored' = 'media.ready') =>
    unitOfWork(handle)((trx) =>
      emitAndDispatch(trx, queue, { tenantId, type, data: { id: 'med_x', status: 'ready' } }),
    );

  const handler = () => webhookDeliverHandler({ repos, allowPrivate: true, now }) as JobHandler<unknown>;

  it('emits one delivery per subscribed endpoint and delivers it signed', async () => {
    const tenantId = await createTenant(repos);
    const other = await createTenant(repos, 'other');
    const ep = await endpoint(tenantId);
    await endpoint(tenantId, receiver.url, ['media.errored']);
    await endpoint(other);
    receiver.received.length = 0;

    const { eventId, deliveryIds } = await emit(tenantId);
    expect(deliveryIds).toHaveLength(1);
    expect(await runDueJobs(handler())).toBe(1);

    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.headers['kino-event-id']).toBe(eventId);
    expect(got?.headers['kino-delivery-id']).toBe(deliveryIds[0]);
    const body = JSON.parse(got?.body ?? '') as { type: string; createdAt: string; data: unknown };
    expect(body).toEqual({
      id: eventId,
      type: 'media.ready',
      createdAt: expect.any(String),
      data: { id: 'med_x', status: 'ready' },
    });
    const signature = String(got?.headers['kino-signature']);
    expect(
      verifySignature(ep.secret, signature, got?.body ?? '', {
        nowSeconds: Math.floor(clock / 1000),
        toleranceSeconds: 300,
      }),
    ).toBe(true);

    const [delivery] = await repos.webhooks.listDeliveries(tenantId, ep.id, 10);
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 1, response_status: 200 });
    expect(delivery?.response_body).toHaveLength(1024);
  });

  it('retries on 500 with the job backoff, then delivers', async () => {
    const tenantId = await createTenant(repos);
    const ep = await endpoint(tenantId);
    receiver.received.length = 0;
    receiver.script.push(500, 503);
    await emit(tenantId);

    expect(await runDueJobs(handler())).toBe(1);
    let [delivery] = await repos.webhooks.listDeliveries(tenantId, ep.id, 10);
    expect(delivery).toMatchObject({ state: 'retrying', attempts: 1, response_status: 500 });
    expect(await runDueJobs(handler())).toBe(0); // not due yet: backoff
    clock += 3 * 3600_000; // past the longest backoff, jitter included
    expect(await runDueJobs(handler())).toBe(1);
    clock += 3 * 3600_000; // past the longest backoff, jitter included
    expect(await runDueJobs(handler())).toBe(1);
    [delivery] = await repos.webhooks.listDeliveries(tenantId, ep.id, 10);
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 3, response_status: 200 });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.headers['kino-event-id'])).size).toBe(1);
  });

  it('gives up after the last attempt and pauses an endpoint that keeps failing for a day', async () => {
    const tenantId = await createTenant(repos);
    const ep = await endpoint(tenantId);
    const attempts = jobCatalog['webhook.deliver'].maxAttempts;
    receiver.script.push(...Array<number>(attempts + 1).fill(500));
    await emit(tenantId);
    for (let i = 0; i < attempts; i++) {
      expect(await runDueJobs(handler())).toBe(1);
      clock += 2 * 3600_000; // past the longest backoff, jitter included
    }
    const [delivery] = await repos.webhooks.listDeliveries(tenantId, ep.id, 10);
    expect(delivery).toMatchObject({ state: 'dead', attempts, response_status: 500 });
    expect(await runDueJobs(handler())).toBe(0);
    expect(await repos.webhooks.getEndpoint(tenantId, ep.id)).toMatchObject({ paused: 0 });

    // Still failing more than 24 hours after the first failure: the endpoint is paused.
    clock += 6 * 3600_000;
    await emit(tenantId);
    expect(await runDueJobs(handler())).toBe(1);
    const paused = await repos.webhooks.getEndpoint(tenantId, ep.id);
    expect(paused).toMatchObject({ paused: 1, paused_reason: expect.stringContaining('24 hours') });
    expect((await emit(tenantId)).deliveryIds).toHaveLength(0);
    receiver.script.length = 0;
  });

  it(`pauses after ${PAUSE_AFTER_DEAD_DELIVERIES} dead deliveries in a row`, async () => {
    const tenantId = await createTenant(repos);
    // Refused at delivery: a blocked address is a permanent failure, dead at once.
    const ep = await endpoint(tenantId, 'http://169.254.169.254/latest/meta-data');
    const strict = webhookDeliverHandler({ repos, allowPrivate: false, now }) as JobHandler<unknown>;
    for (let i = 0; i < PAUSE_AFTER_DEAD_DELIVERIES; i++) await emit(tenantId);
    expect(await runDueJobs(strict)).toBe(PAUSE_AFTER_DEAD_DELIVERIES);
    const deliveries = await repos.webhooks.listDeliveries(tenantId, ep.id, 50);
    expect(deliveries.every((d) => d.state === 'dead' && d.attempts === 1)).toBe(true);
    expect(deliveries[0]?.error).toMatch(/cloud metadata|refused/);
    expect(await repos.webhooks.getEndpoint(tenantId, ep.id)).toMatchObject({
      paused: 1,
      paused_reason: expect.stringContaining('in a row'),
    });
  });

  it('refuses loopback receivers at delivery without allow-private', async () => {
    const tenantId = await createTenant(repos);
    const ep = await endpoint(tenantId);
    receiver.received.length = 0;
    await emit(tenantId);
    const strict = webhookDeliverHandler({ repos, allowPrivate: false, now }) as JobHandler<unknown>;
    await runDueJobs(strict);
    expect(receiver.received).toHaveLength(0);
    const [delivery] = await repos.webhooks.listDeliveries(tenantId, ep.id, 10);
    expect(delivery).toMatchObject({ state: 'dead', error: expect.stringMatching(/loopback/) });
  });
});
