import { setSessionPriority } from '@kino/testkit/cluster';
import { generate } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBody } from '../../src/events/event-types.ts';
import { verifySignature } from '../../src/webhooks/webhook-signature.ts';
import { ClusterFixture, waitFor, type Tenant } from './cluster-fixture.ts';
import { percentile, startLatencyProbe } from './latency-probe.ts';
import { serverSideLatency, type ServerSideLatency } from './server-metrics.ts';
import { tusUpload } from './tus-client.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

/** Uploads per tenant, started in this order: one big tenant first, a small one last. */
const SHARES = { big: 100, middling: 60, small: 40 };
type Share = keyof typeof SHARES;
const NAMES = Object.keys(SHARES) as Share[];
const BURST_DEADLINE_MS = 15 * 60_000;
const LOAD_GENERATOR_NICE = 10;

interface BurstFigures {
  uploadsDoneS: number;
  allReadyS: number;
  jobWaitS: { median: number; max: number };
  firstJobs: { tenant: Share; enqueuedAfterS: number; waitedS: number }[];
  getThroughNginxMs: Record<string, number>;
  getInsideKino: ServerSideLatency;
}

interface Delivery {
  id: string;
  eventId: string;
  type: string;
  state: string;
  attempts: number;
}

/** One cluster: a webhook receiver that is down for a while, then a burst of uploads from three tenants. */
describe('a cluster taking webhooks and a burst of uploads', () => {
  let fx: ClusterFixture;
  let source: string;
  /** What the burst measured, for the latency test that follows it. */
  let burst: BurstFigures | undefined;

  beforeAll(async () => {
    fx = await ClusterFixture.start({ env: { KINO_LOG_LEVEL: 'warn', KINO_IMPORT_ALLOW_PRIVATE: '1' } });
    source = await generate({ width: 160, height: 90, durationSec: 1, fps: 10 });
  }, 180_000);

  afterAll(async () => {
    await (fx as ClusterFixture | undefined)?.stop();
  }, 60_000);

  it('a webhook receiver that was down gets every event once it is back, each with a valid signature', async () => {
    const tenant = await fx.tenant('hooks');
    const receiver = await WebhookReceiver.reserve();
    try {
      const created = await fx.call<{ id: string; secret: string }>(tenant.key, 'POST', '/v1/webhooks', {
        url: receiver.url,
      });
      expect(created.status).toBe(201);
      const { id: webhookId, secret } = created.body;
      const deliveries = async () =>
        (
          await fx.call<{ items: Delivery[] }>(
            tenant.key,
            'GET',
            `/v1/webhooks/${webhookId}/deliveries?limit=200`,
          )
        ).body.items;

      // Two media: upload.completed, media.playable and media.ready each, while nothing listens.
      const ids = [];
      for (let i = 0; i < 2; i++)
        ids.push((await tusUpload(`${fx.url}/v1/uploads`, tenant.key, source)).mediaId);
      await fx.settle(tenant.key, ids, 300_000);
      const failed = await waitFor(
        'every delivery to have failed once',
        async () => {
          const items = await deliveries();
          return items.length === 6 && items.every((d) => d.attempts >= 1 && d.state === 'retrying')
            ? items
            : undefined;
        },
        120_000,
      );
      const downSince = Date.now();

      await receiver.start();
      let last: Delivery[] = [];
      const delivered = await waitFor(
        'every delivery to arrive',
        async () => {
          last = await deliveries();
          return last.every((d) => d.state === 'delivered') ? last : undefined;
        },
        240_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; deliveries: ${JSON.stringify(last)}`);
      });
      console.info(
        `webhooks: 6 events failed first, receiver up ${((Date.now() - downSince) / 1000).toFixed(1)} s ` +
          `before the last arrived; attempts ${delivered.map((d) => d.attempts).join(',')}`,
      );

      const eventIds = new Set(failed.map((d) => d.eventId));
      expect(eventIds.size).toBe(6);
      for (const eventId of eventIds) {
        const copies = receiver.received.filter((r) => r.eventId === eventId);
        expect(copies.length, `deliveries of ${eventId}`).toBeGreaterThanOrEqual(1);
        for (const copy of copies) {
          const nowSeconds = Math.floor(copy.at / 1000);
          expect(
            verifySignature(secret, copy.signature, copy.body, { nowSeconds, toleranceSeconds: 300 }),
          ).toBe(true);
        }
      }
      const types = receiver.received.map((r) => (JSON.parse(r.body) as EventBody).type).sort();
      expect([...new Set(types)]).toEqual(['media.playable', 'media.ready', 'upload.completed']);
    } finally {
      await receiver.close();
    }
  }, 420_000);

  it(
    '200 small uploads from 3 tenants at once all end ready, and every tenant’s first jobs start early',
    async () => {
      const tenants = Object.fromEntries(
        await Promise.all(NAMES.map(async (name) => [name, await fx.tenant(name)] as const)),
      ) as Record<Share, Tenant>;
      // Something to read while the burst runs: an API GET through nginx (key check + database).
      const target = await tusUpload(`${fx.url}/v1/uploads`, tenants.small.key, source);
      await fx.settle(tenants.small.key, [target.mediaId], 60_000);
      const probe = startLatencyProbe(`${fx.url}/v1/media/${target.mediaId}`, {
        authorization: `Bearer ${tenants.small.key}`,
      });

      // The 200 clients and the S3 stand-in (s3rver) live in this process; in production they are
      // other machines. They run below the cluster's priority so that they take its spare CPU, not
      // its share: this process's session is lowered, as Linux shares CPU time between sessions
      // first (the probe runs in a session of its own, at normal priority).
      const niceBefore = setSessionPriority(process.pid, LOAD_GENERATOR_NICE);
      const startedAt = Date.now();
      try {
        const uploads = await Promise.all(
          NAMES.flatMap((name) =>
            Array.from({ length: SHARES[name] }, () =>
              tusUpload(`${fx.url}/v1/uploads`, tenants[name].key, source).then((u) => ({ ...u, name })),
            ),
          ),
        );
        const uploadedAt = Date.now();
        // Processing 200 media takes minutes on two cores (every one is a probe, a repackage and an
        // encode: about seven tool runs); the wait ends at one deadline for all.
        const deadline = startedAt + BURST_DEADLINE_MS;
        for (const name of NAMES) {
          const ids = uploads.filter((u) => u.name === name).map((u) => u.mediaId);
          const settled = await fx.settle(tenants[name].key, ids, Math.max(1_000, deadline - Date.now()));
          const notReady = [...settled.values()].filter((m) => m.status !== 'ready');
          expect(notReady.map((m) => `${m.id}: ${m.status} ${JSON.stringify(m.error)}`)).toEqual([]);
        }
        const readyAt = Date.now();
        const report = await probe.stop();

        const { rows: jobs } = await fx.db.query<{
          tenant_id: string;
          created_at: number;
          started_at: number;
        }>(
          `select tenant_id, created_at, started_at from jobs
          where type = 'media.process' and created_at >= $1 and tenant_id = any($2) order by started_at`,
          [startedAt, NAMES.map((name) => tenants[name].id)],
        );
        expect(jobs).toHaveLength(200);
        const waits = jobs.map((j) => (j.started_at - j.created_at) / 1000);
        const firstJobs = NAMES.map((name) => {
          const first = jobs.find((j) => j.tenant_id === tenants[name].id);
          return {
            tenant: name,
            enqueuedAfterS: first ? (first.created_at - startedAt) / 1000 : NaN,
            waitedS: first ? (first.started_at - first.created_at) / 1000 : NaN,
          };
        });
        const during = (from: number, to: number) =>
          report.times.filter((_, i) => (report.sentAt[i] ?? 0) >= from && (report.sentAt[i] ?? 0) < to);
        burst = {
          uploadsDoneS: (uploadedAt - startedAt) / 1000,
          allReadyS: (readyAt - startedAt) / 1000,
          jobWaitS: { median: percentile(waits, 0.5), max: Math.max(...waits) },
          firstJobs,
          getThroughNginxMs: {
            requests: report.times.length,
            failures: report.failures.length,
            p50: percentile(report.times, 0.5),
            p99: percentile(report.times, 0.99),
            p99WhileUploading: percentile(during(startedAt, uploadedAt), 0.99),
            p99WhileProcessing: percentile(during(uploadedAt, readyAt), 0.99),
          },
          getInsideKino: await serverSideLatency(
            fx.cluster.api.map((n) => n.url),
            'GET',
            '/v1/media/:id',
          ),
        };
        console.info(`burst figures: ${JSON.stringify(burst)}`);

        // Round robin between tenants: the small tenant, whose uploads came last behind the big
        // tenant's backlog, waits for a free slot, not for that backlog.
        for (const first of firstJobs)
          expect(first.waitedS, `${first.tenant}'s first job waited`).toBeLessThan(10);
        expect(report.failures).toEqual([]);
      } finally {
        probe.kill();
        setSessionPriority(process.pid, niceBefore);
      }
    },
    BURST_DEADLINE_MS + 120_000,
  );

  // The target: p99 under 100 ms for the whole burst, on two cores shared by the cluster,
  // its database, the S3 stand-in and 200 clients (four runs: p99 21-53 ms in all, 39-79 ms while
  // the uploads arrived, 18-47 ms while they were processed; p50 4-5 ms). It holds because the
  // workers and their tools run in a cgroup of low CPU weight (nice alone does not order sessions)
  // and an upload costs the API a few S3 requests and database statements (kino-s3-store.ts).
  it('a GET through nginx stays fast during the burst (p99 under 100 ms while uploads arrive and while they are processed)', () => {
    if (!burst) throw new Error('the burst did not run');
    const figures = `GET /v1/media/{id} through nginx, ms (${JSON.stringify(burst.getThroughNginxMs)})`;
    expect(burst.getThroughNginxMs.requests).toBeGreaterThan(1000);
    expect(burst.getThroughNginxMs.p50, figures).toBeLessThan(25);
    expect(burst.getThroughNginxMs.p99, figures).toBeLessThan(100);
    expect(burst.getThroughNginxMs.p99WhileUploading, figures).toBeLessThan(100);
    expect(burst.getThroughNginxMs.p99WhileProcessing, figures).toBeLessThan(100);
  });
});
