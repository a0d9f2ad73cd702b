import path from 'node:path';
import { generate } from '@kino/testkit/media';
import { createDatabase } from '@kino/testkit/postgres';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { DatabaseConfig } from '../../src/config/config.ts';
import { openDatabase, type Db } from '../../src/db/database.ts';
import type { EventBody } from '../../src/events/event-types.ts';
import { verifySignature } from '../../src/webhooks/webhook-signature.ts';
import { WebhookReceiver, type ReceivedWebhook } from '../cluster/webhook-receiver.ts';
import { tusUpload } from '../media-upload.ts';
import { startSource, type SourceServer } from '../test-source-server.ts';
import { killableKino, type KillableKino } from './killable-kino.ts';

/**
 * Kino killed (SIGKILL, at a failpoint) around the commits of the media lifecycle and of webhook
 * deliveries, then started again on the same data: every event of a committed change reaches the
 * receiver (at least once, one event id per event, signed), no event exists for a change that
 * was rolled back or not made, and the tenant's processed minutes are counted once per version.
 */

/** Short leases: the job a killed process held is taken up again soon after the restart. */
const BASE_ENV = {
  KINO_IMPORT_ALLOW_PRIVATE: '1',
  KINO_JOB_LEASE_MS: '4000',
  KINO_JOB_HEARTBEAT_MS: '1000',
};
const DIE_WITHIN_MS = 120_000;
const SETTLE_WITHIN_MS = 150_000;
const UNFINISHED = ['available', 'running', 'retrying'] as const;
/** Jobs whose work must be over before the outcome is judged (a replaced version's removal runs much later). */
const WORK = ['media.import', 'media.process', 'media.encode', 'events.dispatch', 'webhook.deliver'];

type Dialect = 'sqlite' | 'postgres';

interface Scene {
  kino: KillableKino;
  receiver: WebhookReceiver;
  /** Kino's database, read beside it. */
  db: Db;
  tenantId: string;
  apiKey: string;
  secret: string;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function sleep(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Kino on `dialect` with a tenant and an endpoint (every event type) at a local receiver. */
async function scene(dialect: Dialect, failpoints: string): Promise<Scene> {
  const env: Record<string, string> = { ...BASE_ENV };
  if (dialect === 'postgres') env.KINO_DATABASE_URL = await createDatabase(inject('postgresUrl'), 'faults');
  const kino = await killableKino(env);
  cleanups.push(() => kino.close());
  const receiver = await WebhookReceiver.reserve();
  await receiver.start();
  cleanups.push(() => receiver.close());
  await kino.start(failpoints ? { KINO_FAILPOINTS: failpoints } : {});

  const config: DatabaseConfig =
    dialect === 'postgres'
      ? { kind: 'postgres', url: env.KINO_DATABASE_URL ?? '' }
      : { kind: 'sqlite', file: path.join(kino.dataDir, 'kino.sqlite') };
  const handle = openDatabase(config, { poolSize: 2 });
  cleanups.push(() => handle.close());

  const tenant = await json<{ id: string; apiKey: string }>(
    await fetch(`${kino.baseUrl}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kino.operatorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'faults' }),
    }),
    201,
  );
  const endpoint = await json<{ secret: string }>(
    await fetch(`${kino.baseUrl}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url }),
    }),
    201,
  );
  return {
    kino,
    receiver,
    db: handle.db,
    tenantId: tenant.id,
    apiKey: tenant.apiKey,
    secret: endpoint.secret,
  };
}

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${res.url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Waits for the process to die at its failpoint and checks that it was killed, not stopped. */
async function died(s: Scene): Promise<void> {
  const exit = await s.kino.exit(DIE_WITHIN_MS);
  expect(exit.signal, s.kino.output()).toBe('SIGKILL');
}

async function restart(s: Scene, failpoints = ''): Promise<void> {
  await s.kino.start(failpoints ? { KINO_FAILPOINTS: failpoints } : {});
}

function media(s: Scene, id: string) {
  return s.db
    .selectFrom('media')
    .select(['status', 'playable', 'duration_seconds', 'error_code', 'playback_prefix'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

function events(s: Scene) {
  return s.db
    .selectFrom('events')
    .select(['id', 'type', 'body', 'dispatched_at'])
    .where('tenant_id', '=', s.tenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

function deliveries(s: Scene) {
  return s.db
    .selectFrom('webhook_deliveries')
    .select(['id', 'event_id', 'event_type', 'state', 'body'])
    .where('tenant_id', '=', s.tenantId)
    .execute();
}

async function processedMs(s: Scene): Promise<number> {
  const row = await s.db
    .selectFrom('tenants')
    .select('processed_ms')
    .where('id', '=', s.tenantId)
    .executeTakeFirstOrThrow();
  // A bigint column: PostgreSQL's driver hands it over as a string.
  return Number(String(row.processed_ms));
}

const typesOf = (rows: { type: string }[]) => rows.map((r) => r.type).sort();

/**
 * Waits until the media is in `status`, no work is left for the tenant, every event is
 * dispatched, every delivery delivered, and the receiver holds every event.
 */
async function settle(s: Scene, mediaId: string, status: string, also?: () => Promise<boolean>) {
  await until(
    `media ${mediaId} ${status} with every event delivered`,
    async () => {
      if ((await media(s, mediaId)).status !== status) return undefined;
      const busy = await s.db
        .selectFrom('jobs')
        .select('id')
        .where('tenant_id', '=', s.tenantId)
        .where('type', 'in', WORK)
        .where('state', 'in', UNFINISHED)
        .execute();
      if (busy.length > 0) return undefined;
      const all = await events(s);
      if (all.some((e) => e.dispatched_at === null)) return undefined;
      if ((await deliveries(s)).some((d) => d.state !== 'delivered')) return undefined;
      const received = new Set(s.receiver.received.map((r) => r.eventId));
      if (!all.every((e) => received.has(e.id))) return undefined;
      if (also && !(await also())) return undefined;
      return true;
    },
    SETTLE_WITHIN_MS,
  );
}

/**
 * What the receiver got is what the outbox holds: each request names one of the tenant's events
 * (Kino-Event-Id = body.id) and one of its deliveries, is signed over its raw body with the
 * endpoint's secret, and every copy of a delivery or an event carries the same bytes. Every event
 * and every delivery arrived. Returns the requests by event type.
 */
async function checkReceived(s: Scene): Promise<Map<string, ReceivedWebhook[]>> {
  const all = await events(s);
  const byId = new Map(all.map((e) => [e.id, e]));
  const rows = await deliveries(s);
  const deliveryById = new Map(rows.map((d) => [d.id, d]));
  const nowSeconds = Math.floor(Date.now() / 1000);
  const byType = new Map<string, ReceivedWebhook[]>();
  for (const r of s.receiver.received) {
    const body = JSON.parse(r.body) as EventBody;
    expect(r.eventId).toBe(body.id);
    const event = byId.get(r.eventId);
    expect(event, `the received event ${r.eventId} is in the outbox`).toBeDefined();
    expect(r.body).toBe(event?.body);
    const delivery = deliveryById.get(r.deliveryId);
    expect(delivery, `the received delivery ${r.deliveryId} is recorded`).toBeDefined();
    expect(delivery?.event_id).toBe(r.eventId);
    expect(delivery?.body).toBe(r.body);
    expect(verifySignature(s.secret, r.signature, r.body, { nowSeconds, toleranceSeconds: 600 })).toBe(true);
    expect(verifySignature('whsec_another', r.signature, r.body, { nowSeconds, toleranceSeconds: 600 })).toBe(
      false,
    );
    byType.set(body.type, [...(byType.get(body.type) ?? []), r]);
  }
  const receivedEvents = new Set(s.receiver.received.map((r) => r.eventId));
  const receivedDeliveries = new Set(s.receiver.received.map((r) => r.deliveryId));
  for (const e of all) expect(receivedEvents.has(e.id), `${e.type} ${e.id} was received`).toBe(true);
  for (const d of rows) expect(receivedDeliveries.has(d.id), `delivery ${d.id} was received`).toBe(true);
  // One endpoint: one delivery per event.
  expect(rows.map((d) => d.event_id).sort()).toEqual(all.map((e) => e.id).sort());
  return byType;
}

/** Distinct event ids of a type, as the receiver dedupes them. */
function eventIds(received: Map<string, ReceivedWebhook[]>, type: string): string[] {
  return [...new Set((received.get(type) ?? []).map((r) => r.eventId))];
}

async function upload(s: Scene): Promise<string> {
  const file = await generate({ width: 320, height: 240, durationSec: 2 });
  const { mediaId } = await tusUpload(s.kino.baseUrl, s.apiKey, file, { filename: 'clip.mp4' });
  return mediaId;
}

/** The duration published, in the milliseconds the quota counts. */
async function durationMs(s: Scene, mediaId: string): Promise<number> {
  const row = await media(s, mediaId);
  expect(row.duration_seconds).toBeGreaterThan(0);
  return Math.round((row.duration_seconds ?? 0) * 1000);
}

const SCENARIOS: { failpoint: string; title: string; run(dialect: Dialect): Promise<void> }[] = [
  {
    failpoint: 'publish.after-commit',
    title:
      'publish.after-commit: events of a committed publish are delivered after the restart; minutes counted once',
    async run(dialect: Dialect) {
      const s = await scene(dialect, 'publish.after-commit');
      const mediaId = await upload(s);

      // Killed right after the playable version's commit: its event exists, nothing announced it yet.
      await died(s);
      expect(await media(s, mediaId)).toMatchObject({ status: 'processing', playable: 1 });
      expect(typesOf(await events(s))).toEqual(['media.playable', 'upload.completed']);
      expect(s.receiver.received.filter((r) => r.body.includes('"media.playable"'))).toEqual([]);
      expect(await processedMs(s)).toBe(0);
      const beforeFirstRestart = s.receiver.received.length;

      // Started again with the failpoint: killed right after the complete version's commit.
      await restart(s, 'publish.after-commit');
      await died(s);
      expect(await media(s, mediaId)).toMatchObject({ status: 'ready', playable: 1 });
      expect(typesOf(await events(s))).toEqual(['media.playable', 'media.ready', 'upload.completed']);
      const duration = await durationMs(s, mediaId);
      expect(await processedMs(s)).toBe(duration);
      const beforeLastRestart = s.receiver.received.length;

      await restart(s);
      await settle(s, mediaId, 'ready');
      const received = await checkReceived(s);
      const all = await events(s);
      expect(typesOf(all)).toEqual(['media.playable', 'media.ready', 'upload.completed']);
      for (const type of ['upload.completed', 'media.playable', 'media.ready']) {
        expect(eventIds(received, type), type).toHaveLength(1);
      }
      const afterFirstRestart = s.receiver.received.slice(beforeFirstRestart).map((r) => r.eventId);
      expect(afterFirstRestart).toContain(eventIds(received, 'media.playable')[0]);
      const afterLastRestart = s.receiver.received.slice(beforeLastRestart).map((r) => r.eventId);
      expect(afterLastRestart).toContain(eventIds(received, 'media.ready')[0]);
      // The encode retried after its publish committed published nothing again.
      expect(await processedMs(s)).toBe(duration);
      expect(await durationMs(s, mediaId)).toBe(duration);
    },
  },

  {
    failpoint: 'publish.before-commit',
    title: 'publish.before-commit: a rolled-back publish leaves no event; the retry publishes once',
    async run(dialect: Dialect) {
      const s = await scene(dialect, 'publish.before-commit');
      const mediaId = await upload(s);

      await died(s);
      expect(await media(s, mediaId)).toMatchObject({
        status: 'processing',
        playable: 0,
        playback_prefix: null,
      });
      expect(typesOf(await events(s))).toEqual(['upload.completed']);
      expect((await deliveries(s)).filter((d) => d.event_type !== 'upload.completed')).toEqual([]);
      expect(s.receiver.received.filter((r) => !r.body.includes('"upload.completed"'))).toEqual([]);
      expect(await processedMs(s)).toBe(0);

      await restart(s);
      await settle(s, mediaId, 'ready');
      const received = await checkReceived(s);
      expect(typesOf(await events(s))).toEqual(['media.playable', 'media.ready', 'upload.completed']);
      expect(eventIds(received, 'media.playable')).toHaveLength(1);
      expect(eventIds(received, 'media.ready')).toHaveLength(1);
      expect(await processedMs(s)).toBe(await durationMs(s, mediaId));
    },
  },

  {
    failpoint: 'webhook.after-send',
    title: 'webhook.after-send: a delivery whose outcome was not recorded is sent again, same ids',
    async run(dialect: Dialect) {
      const s = await scene(dialect, 'webhook.after-send');
      const mediaId = await upload(s);

      await died(s);
      const sentBeforeKill = [...s.receiver.received];
      expect(sentBeforeKill.length).toBeGreaterThan(0);
      const pending = await deliveries(s);
      for (const sent of sentBeforeKill) {
        expect(pending.find((d) => d.id === sent.deliveryId)?.state, 'its outcome was not recorded').toBe(
          'pending',
        );
      }

      await restart(s);
      await settle(s, mediaId, 'ready');
      const received = await checkReceived(s);
      for (const sent of sentBeforeKill) {
        const again = s.receiver.received
          .slice(sentBeforeKill.length)
          .filter((r) => r.deliveryId === sent.deliveryId);
        expect(again.length, `delivery ${sent.deliveryId} was sent again`).toBeGreaterThan(0);
        for (const copy of again) {
          expect(copy.eventId).toBe(sent.eventId);
          expect(copy.body).toBe(sent.body);
        }
      }
      expect(typesOf(await events(s))).toEqual(['media.playable', 'media.ready', 'upload.completed']);
      for (const type of ['upload.completed', 'media.playable', 'media.ready']) {
        expect(eventIds(received, type), type).toHaveLength(1);
      }
      expect(await processedMs(s)).toBe(await durationMs(s, mediaId));
    },
  },

  {
    failpoint: 'encode.running during a reprocess',
    title: 'encode.running during a reprocess: ready again, media.ready announced, minutes counted twice',
    async run(dialect: Dialect) {
      const s = await scene(dialect, '');
      const mediaId = await upload(s);
      await settle(s, mediaId, 'ready');
      const duration = await durationMs(s, mediaId);
      expect(await processedMs(s)).toBe(duration);

      await s.kino.terminate();
      await restart(s, 'encode.running');
      const reprocess = await fetch(`${s.kino.baseUrl}/v1/media/${mediaId}/reprocess`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.apiKey}` },
      });
      expect(reprocess.status).toBe(202);
      await reprocess.body?.cancel();

      await died(s);
      expect(await media(s, mediaId)).toMatchObject({ status: 'processing', playable: 1 });
      expect(await processedMs(s)).toBe(duration);

      await restart(s);
      await settle(
        s,
        mediaId,
        'ready',
        async () => (await events(s)).filter((e) => e.type === 'media.ready').length >= 2,
      );
      const received = await checkReceived(s);
      expect(typesOf(await events(s))).toEqual([
        'media.playable',
        'media.ready',
        'media.ready',
        'upload.completed',
      ]);
      expect(eventIds(received, 'media.ready')).toHaveLength(2);
      expect(received.get('media.errored')).toBeUndefined();
      expect(await media(s, mediaId)).toMatchObject({ status: 'ready', error_code: null });
      expect(await durationMs(s, mediaId)).toBe(duration);
      expect(await processedMs(s)).toBe(2 * duration);
    },
  },

  {
    failpoint: 'import.after-failure-commit',
    title: 'import.after-failure-commit: a refused import announces media.errored once',
    async run(dialect: Dialect) {
      const source: SourceServer = await startSource((_req, res) => {
        res.writeHead(404).end('not here');
      });
      cleanups.push(() => source.close());
      const s = await scene(dialect, 'import.after-failure-commit');
      // The process may die before its answer is out: the media is then found in the database.
      const answer = await fetch(`${s.kino.baseUrl}/v1/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ input: { url: `${source.origin}/missing.mp4` } }),
      }).then(
        (res) => json<{ id: string }>(res, 201),
        () => undefined,
      );

      await died(s);
      const [only, ...others] = await s.db
        .selectFrom('media')
        .select('id')
        .where('tenant_id', '=', s.tenantId)
        .execute();
      expect(others).toEqual([]);
      const created = { id: only?.id ?? '' };
      if (answer) expect(answer.id).toBe(created.id);
      expect(await media(s, created.id)).toMatchObject({ status: 'errored', error_code: 'import_failed' });
      expect(typesOf(await events(s))).toEqual(['media.errored']);
      const fetchedBeforeKill = source.requests.length;

      await restart(s);
      await settle(s, created.id, 'errored');
      // The retried job saw the failure recorded and did not import again.
      expect(source.requests).toHaveLength(fetchedBeforeKill);
      const received = await checkReceived(s);
      expect(typesOf(await events(s))).toEqual(['media.errored']);
      expect(eventIds(received, 'media.errored')).toHaveLength(1);
      expect([...received.keys()]).toEqual(['media.errored']);
      expect(await media(s, created.id)).toMatchObject({ status: 'errored', error_code: 'import_failed' });
      expect(await processedMs(s)).toBe(0);
    },
  },
];

/**
 * SQLite runs every scenario. PostgreSQL runs the one whose outcome rests on the database itself
 * (the transaction of a killed client rolled back, its locks gone, its jobs rescued by PostgreSQL's
 * claim); the rest would repeat code that does not depend on the dialect, at a minute each.
 */
const ON_POSTGRES = new Set(['publish.before-commit']);

describe.each(['sqlite', 'postgres'] as const)('media lifecycle under SIGKILL on %s', (dialect) => {
  for (const scenario of SCENARIOS) {
    if (dialect === 'postgres' && !ON_POSTGRES.has(scenario.failpoint)) continue;
    it(scenario.title, () => scenario.run(dialect), 300_000);
  }
});
