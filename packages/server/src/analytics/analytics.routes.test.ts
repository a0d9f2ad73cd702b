import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { publishMedia, startPlayKino, type PlayKino } from '../../test/play-fixture.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';
import { BEACON_GRANT_DATA_ID, signBeaconGrant } from '../delivery/beacon-grant.ts';
import type { Beacon } from './beacon-schema.ts';

const viewId = () => randomBytes(16).toString('base64url');

interface Report {
  views: number;
  watchTimeSeconds: number;
  rebufferCount: number;
  startupTimeMs: { p50: number | null; p95: number | null };
  playbackFailurePercent: number;
  exitsBeforeVideoStartPercent: number;
  series: { at: string; views: number }[];
  topMedia: { mediaId: string; views: number }[];
}

interface ViewJson {
  id: string;
  mediaId: string;
  startupTimeMs: number | null;
  watchTimeSeconds: number;
  error: { code: string } | null;
  exitedBeforeStart: boolean;
  browser: string;
  player: string;
  cmcd: { requests: number; throughputKbps: number | null } | null;
}

describe.each(DIALECTS)('playback analytics API on %s', (dialect) => {
  let kino: TestKino;
  beforeAll(async () => {
    kino = await startTestKino(dialect, { env: { KINO_ROLES: 'api' } });
  });
  afterAll(() => kino.close());

  const grantFor = async (
    media: { id: string; tenantId: string },
    expiresAt = Math.floor(Date.now() / 1000) + 3600,
  ) =>
    signBeaconGrant(
      { mediaId: media.id, tenantId: media.tenantId, expiresAt },
      await kino.repos.signingKeys.current(Date.now()),
    );

  const send = (beacon: unknown, contentType = 'text/plain;charset=UTF-8') =>
    kino.app.inject({
      method: 'POST',
      url: '/v1/beacons',
      headers: {
        'content-type': contentType,
        'user-agent':
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      },
      payload: typeof beacon === 'string' ? beacon : JSON.stringify(beacon),
    });

  const mediaOf = async (key: string, tenantId: string) => {
    const res = await kino.call(key, 'POST', '/v1/media', { title: 'watched' });
    return { id: res.json<{ id: string }>().id, tenantId };
  };

  it('folds beacons into a view that the tenant reads, and no other tenant sees', async () => {
    const acme = await kino.tenant('acme');
    const other = await kino.tenant('other');
    const media = await mediaOf(acme.key, acme.id);
    const grant = await grantFor(media);
    const view = viewId();
    const first: Beacon = {
      grant,
      view,
      player: { name: 'kino-player', version: '0.1.0' },
      events: [
        { e: 'viewstart', t: 0 },
        { e: 'playrequest', t: 10 },
        { e: 'rendition', t: 200, bitrate: 800_000, width: 640, height: 360 },
        { e: 'firstframe', t: 410 },
      ],
    };
    const sent = await send(first);
    expect(sent.statusCode).toBe(204);
    expect(sent.headers['access-control-allow-origin']).toBe('*');
    expect(
      (await send({ grant, view, events: [{ e: 'heartbeat', t: 3410, p: 3000 }] }, 'application/json'))
        .statusCode,
    ).toBe(204);

    const views = await kino.call(acme.key, 'GET', `/v1/analytics/views?mediaId=${media.id}`);
    expect(views.statusCode).toBe(200);
    const [item] = views.json<{ items: ViewJson[] }>().items;
    expect(item).toMatchObject({
      id: view,
      mediaId: media.id,
      startupTimeMs: 400,
      error: null,
      exitedBeforeStart: false,
      player: 'kino-player 0.1.0',
    });
    expect(item?.browser).toMatch(/^Chrome 131/);
    // Clamped to Kino's clock: the view began a moment ago, so at most that plus the slack.
    expect(item?.watchTimeSeconds).toBeCloseTo(3.4, 1);

    const report = await kino.call(acme.key, 'GET', `/v1/media/${media.id}/analytics`);
    expect(report.statusCode).toBe(200);
    expect(report.json<Report>()).toMatchObject({ views: 1, rebufferCount: 0, playbackFailurePercent: 0 });
    expect(report.json<Report>().startupTimeMs.p50).toBeGreaterThan(300);

    // Another tenant: the media is absent, and its dashboards hold nothing of acme's.
    expect((await kino.call(other.key, 'GET', `/v1/media/${media.id}/analytics`)).statusCode).toBe(404);
    expect((await kino.call(other.key, 'GET', `/v1/analytics/views?mediaId=${media.id}`)).statusCode).toBe(
      404,
    );
    expect((await kino.call(other.key, 'GET', '/v1/analytics')).json<Report>().views).toBe(0);
    // The operator sees every tenant.
    const all = await kino.call(OPERATOR_KEY, 'GET', '/v1/analytics');
    expect(all.json<Report>().views).toBeGreaterThanOrEqual(1);
    expect(all.json<Report>().topMedia.map((m) => m.mediaId)).toContain(media.id);
    // Without a key: 401.
    expect((await kino.call(null, 'GET', '/v1/analytics')).statusCode).toBe(401);
  });

  it('refuses forged, expired, misplaced, oversized and nonsense beacons', async () => {
    const acme = await kino.tenant('acme2');
    const other = await kino.tenant('other2');
    const media = await mediaOf(acme.key, acme.id);
    const otherMedia = await mediaOf(other.key, other.id);
    const grant = await grantFor(media);
    const events = [{ e: 'playrequest', t: 0 }];

    // Forged: a made-up signature, a grant signed with another secret, a playback token's shape.
    const [body] = grant.split('.');
    expect((await send({ grant: `${body}.${'A'.repeat(43)}`, view: viewId(), events })).json()).toMatchObject(
      { code: 'invalid_beacon_grant' },
    );
    const foreign = signBeaconGrant(
      { mediaId: media.id, tenantId: acme.id, expiresAt: 2e9 },
      { id: 'sk_x', secret: 'guessed' },
    );
    expect((await send({ grant: foreign, view: viewId(), events })).statusCode).toBe(403);
    expect((await send({ grant: await grantFor(media, 1000), view: viewId(), events })).statusCode).toBe(403);

    // A view of acme's media cannot be continued with a grant of another tenant's media.
    const view = viewId();
    expect((await send({ grant, view, events })).statusCode).toBe(204);
    const misplaced = await send({
      grant: await grantFor(otherMedia),
      view,
      events: [{ e: 'firstframe', t: 5 }],
    });
    expect(misplaced.json()).toMatchObject({ code: 'invalid_beacon_grant' });

    // 1 MB body; not JSON; unknown fields, negative and absurd times, too many events.
    const huge = await send({
      grant,
      view: viewId(),
      events: [{ e: 'error', t: 0, message: 'x'.repeat(1_000_000) }],
    });
    expect(huge.statusCode).toBe(413);
    expect((await send('{not json')).statusCode).toBe(400);
    expect((await send({ grant, view: viewId(), events: [{ e: 'playrequest', t: -5 }] })).statusCode).toBe(
      400,
    );
    expect((await send({ grant, view: viewId(), events: [{ e: 'playrequest', t: 1e15 }] })).statusCode).toBe(
      400,
    );
    expect((await send({ grant, view: viewId(), events: [{ e: 'hack', t: 0 }] })).statusCode).toBe(400);
    expect((await send({ grant, view: 'short', events })).statusCode).toBe(400);
    expect((await send({ grant, view: viewId(), events, extra: 1 })).statusCode).toBe(400);
    expect(
      (
        await send({
          grant,
          view: viewId(),
          events: Array.from({ length: 61 }, () => ({ e: 'heartbeat', t: 0 })),
        })
      ).statusCode,
    ).toBe(400);
  });

  it('takes a burst of beacons for one view, then refuses the flood, and the figures stay within the time that passed', async () => {
    const acme = await kino.tenant('acme3');
    const media = await mediaOf(acme.key, acme.id);
    const grant = await grantFor(media);
    const view = viewId();
    expect(
      (
        await send({
          grant,
          view,
          events: [
            { e: 'playrequest', t: 0 },
            { e: 'firstframe', t: 100 },
          ],
        })
      ).statusCode,
    ).toBe(204);
    const codes = new Map<number, number>();
    for (let i = 1; i <= 300; i++) {
      const res = await send({
        grant,
        view,
        events: [
          { e: 'heartbeat', t: i * 10_000, p: 10_000 },
          { e: 'rebufferstart', t: i * 10_000 },
          { e: 'rebufferend', t: i * 10_000 + 60_000 },
        ],
      });
      codes.set(res.statusCode, (codes.get(res.statusCode) ?? 0) + 1);
    }
    expect(codes.get(204)).toBeGreaterThan(0);
    expect(codes.get(429)).toBeGreaterThan(200);
    const [item] = (await kino.call(acme.key, 'GET', `/v1/analytics/views?mediaId=${media.id}`)).json<{
      items: ViewJson[];
    }>().items;
    // Seconds have passed, not 50 minutes: the view holds at most that plus the slack.
    expect(item?.watchTimeSeconds).toBeLessThan(60);
  });

  it('begins no view for a deleted media, and a deleted tenant takes its views along', async () => {
    const gone = await kino.tenant('gone');
    const media = await mediaOf(gone.key, gone.id);
    const grant = await grantFor(media);
    const view = viewId();
    expect((await send({ grant, view, events: [{ e: 'playrequest', t: 0 }] })).statusCode).toBe(204);
    expect((await kino.call(gone.key, 'DELETE', `/v1/media/${media.id}`)).statusCode).toBe(204);
    const late = await send({ grant, view: viewId(), events: [{ e: 'playrequest', t: 0 }] });
    expect(late.json()).toMatchObject({ code: 'invalid_beacon_grant' });
    expect(await kino.repos.analytics.view(view)).toBeDefined();
    expect((await kino.call(OPERATOR_KEY, 'DELETE', `/v1/tenants/${gone.id}`)).statusCode).toBe(204);
    expect(await kino.repos.analytics.view(view)).toBeUndefined();
  });

  it('counts a page left before the first frame as an exit, and a fatal error as a playback failure', async () => {
    const acme = await kino.tenant('acme4');
    const media = await mediaOf(acme.key, acme.id);
    const grant = await grantFor(media);
    const left = await send({
      grant,
      view: viewId(),
      events: [
        { e: 'playrequest', t: 0 },
        { e: 'pagehide', t: 900 },
      ],
    });
    expect(left.statusCode, left.body).toBe(204);
    const failed = await send({
      grant,
      view: viewId(),
      events: [
        { e: 'playrequest', t: 0 },
        { e: 'firstframe', t: 300 },
        { e: 'error', t: 2000, p: 1700, code: 'fragLoadError', message: 'HTTP 404', fatal: true },
      ],
    });
    expect(failed.statusCode, failed.body).toBe(204);
    const report = (await kino.call(acme.key, 'GET', '/v1/analytics')).json<Report>();
    expect(report).toMatchObject({ views: 2, playbackFailurePercent: 50, exitsBeforeVideoStartPercent: 50 });
    const csv = await kino.call(acme.key, 'GET', '/v1/usage?format=csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe(
      'day,tenant_id,storage_bytes,delivered_bytes,minutes_processed,views',
    );
    expect(csv.body).toContain(`,${acme.id},`);
  });
});

describe('beacon grants in playlists, CMCD and delivered bytes', () => {
  let kino: PlayKino;
  beforeAll(async () => {
    kino = await startPlayKino();
  });
  afterAll(() => kino.close());

  it('lists a grant in the master playlist that beacons are accepted with, joins CMCD data, and counts the bytes delivered', async () => {
    const tenant = await kino.tenant();
    const published = await publishMedia(kino, tenant);
    const view = viewId();
    const cmcd = (extra: string) => encodeURIComponent(`${extra},sid="${view}"`);
    const master = await kino.request('GET', `/play/${published.id}/master.m3u8?CMCD=${cmcd('ot=m')}`);
    expect(master.statusCode).toBe(200);
    const grant = new RegExp(`DATA-ID="${BEACON_GRANT_DATA_ID.replaceAll('.', '\\.')}",VALUE="([^"]+)"`).exec(
      master.body,
    )?.[1];
    expect(grant).toBeDefined();
    let delivered = 0;
    for (const name of ['video-180p/init.mp4', 'video-180p/0.m4s', 'video-180p/1.m4s']) {
      const res = await kino.request(
        'GET',
        `/play/${published.id}/${published.version}/${name}?CMCD=${cmcd('br=800,mtp=25400,ot=v')}`,
      );
      expect(res.statusCode).toBe(200);
      delivered += res.rawPayload.length;
    }
    const beacon = await kino.request('POST', '/v1/beacons', {
      headers: { 'content-type': 'application/json' },
      body: {
        grant,
        view,
        events: [
          { e: 'playrequest', t: 0 },
          { e: 'firstframe', t: 250 },
        ],
      },
    });
    expect(beacon.statusCode).toBe(204);
    const auth = { authorization: `Bearer ${tenant.key}` };
    const [item] = (await kino.request('GET', '/v1/analytics/views', { headers: auth })).json<{
      items: ViewJson[];
    }>().items;
    expect(item?.cmcd).toEqual({ requests: 4, throughputKbps: 25400, topBitrateKbps: 800 });

    const usage = await kino.request('GET', '/v1/usage', { headers: auth });
    expect(usage.statusCode, usage.body).toBe(200);
    const today = usage
      .json<{ items: { deliveredBytes: number; views: number; storageBytes: number | null }[] }>()
      .items.at(-1);
    expect(today?.deliveredBytes).toBe(delivered + master.rawPayload.length);
    expect(today?.views).toBe(1);
    // Every file the version stored (no original: the fixture publishes without one).
    expect(today?.storageBytes).toBe([...published.files.values()].reduce((sum, b) => sum + b.length, 0));
  });
});
