import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageLayout } from '../../src/storage/storage-layout.ts';
import { publish } from '../live-publisher.ts';
import { createStream, getStream, startLiveKino, waitFor, type LiveKino } from './live-fixture.ts';

describe('publishers Kino refuses or handles', () => {
  let kino: LiveKino;
  let tenant: { id: string; key: string };

  beforeAll(async () => {
    kino = await startLiveKino('sqlite+disk');
    tenant = await kino.tenant();
  });
  afterAll(() => kino.close());

  const mediaCount = async () =>
    (await kino.call(tenant.key, 'GET', '/v1/media')).json<{ items: unknown[] }>().items.length;
  const storedUnder = async (prefix: string) => {
    let n = 0;
    for await (const _ of kino.storage.list(prefix)) n++;
    return n;
  };

  it('refuses a wrong key, a malformed key and a disabled stream, keeping nothing they send', async () => {
    const stream = await createStream(kino, tenant.key);
    const before = await mediaCount();
    const wrong = publish(stream.url.replace(/-[A-Za-z0-9_-]{43}$/, `-${'A'.repeat(43)}`), { seconds: 6 });
    const malformed = publish(`rtmp://127.0.0.1:${kino.rtmpPort}/live/not-a-key`, { seconds: 6 });
    const otherApp = publish(`rtmp://127.0.0.1:${kino.rtmpPort}/other/${stream.streamKey}`, { seconds: 6 });
    for (const p of [wrong, malformed, otherApp]) expect(await p.exited).not.toBe(0);
    expect((await getStream(kino, tenant.key, stream.id)).status).toBe('idle');

    const disabled = await kino.call(tenant.key, 'POST', `/v1/live-streams/${stream.id}/disable`);
    expect(disabled.json<{ status: string }>().status).toBe('disabled');
    const refused = publish(stream.url, { seconds: 6 });
    expect(await refused.exited).not.toBe(0);
    expect(await mediaCount()).toBe(before);
    expect(await storedUnder(storageLayout.tenantPrefix(tenant.id))).toBe(0);
    const metrics = await kino.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/kino_live_publishers_refused_total\{reason="invalid_stream_key"\} [2-9]/);
    expect(metrics.body).toMatch(/kino_live_publishers_refused_total\{reason="live_stream_disabled"\} 1/);
  }, 60_000);

  it('refuses a second publisher while the first is live, and the first goes on', async () => {
    const stream = await createStream(kino, tenant.key, { reconnectWindowSeconds: 0 });
    const first = publish(stream.url, { seconds: 14 });
    await waitFor('the first publisher', 20_000, async () =>
      (await getStream(kino, tenant.key, stream.id)).status === 'active' ? true : undefined,
    );
    const second = publish(stream.url, { seconds: 5 });
    expect(await second.exited).not.toBe(0);
    expect((await getStream(kino, tenant.key, stream.id)).status).toBe('active');
    expect(await first.exited).toBe(0);
    // A window of 0: the broadcast ends as its publisher leaves.
    const idle = await waitFor('the end', 10_000, async () => {
      const s = await getStream(kino, tenant.key, stream.id);
      return s.status === 'idle' ? s : undefined;
    });
    expect(idle.recentMediaIds).toHaveLength(1);
  }, 60_000);

  it('refuses video it cannot pass through with the reason, and encodes it with the ladder', async () => {
    const passthrough = await createStream(kino, tenant.key);
    const spark = publish(passthrough.url, { seconds: 8, video: 'flv1' });
    expect(await spark.exited).not.toBe(0);
    const refused = await waitFor('the reason', 10_000, async () => {
      const s = await getStream(kino, tenant.key, passthrough.id);
      return s.error ? s : undefined;
    });
    expect(refused.error?.code).toBe('unsupported_live_codec');
    expect(refused.error?.message).toMatch(/H\.264/);

    const ladder = await createStream(kino, tenant.key, { ladder: 'abr', reconnectWindowSeconds: 0 });
    const encoded = publish(ladder.url, { seconds: 10, video: 'flv1' });
    const master = await waitFor('the encoded broadcast', 30_000, async () => {
      const res = await fetch(`${kino.baseUrl}/play/live/${ladder.id}/master.m3u8`);
      return res.status === 200 ? res.text() : undefined;
    });
    expect(master).toMatch(/CODECS="avc1\./);
    expect(await encoded.exited).toBe(0);
  }, 90_000);

  it('carries a publisher with no sound as a video-only broadcast', async () => {
    const stream = await createStream(kino, tenant.key, { reconnectWindowSeconds: 0 });
    const silent = publish(stream.url, { seconds: 8, audio: false });
    const master = await waitFor('the broadcast', 30_000, async () => {
      const res = await fetch(`${kino.baseUrl}/play/live/${stream.id}/master.m3u8`);
      return res.status === 200 ? res.text() : undefined;
    });
    expect(master).not.toContain('TYPE=AUDIO');
    expect(master).toMatch(/CODECS="avc1\.[0-9a-f]{6}"/);
    expect(await silent.exited).toBe(0);
  }, 60_000);

  it('plays a private stream only with a token, which opens its broadcast media too', async () => {
    const stream = await createStream(kino, tenant.key, { visibility: 'private', reconnectWindowSeconds: 0 });
    // Off air, a private stream tells no one without a token that it is off air.
    expect((await fetch(`${kino.baseUrl}/play/live/${stream.id}/master.m3u8`)).status).toBe(401);
    const early = (
      await kino.call(tenant.key, 'POST', `/v1/live-streams/${stream.id}/playback-tokens`, {})
    ).json<{ token: string }>();
    const idle = await fetch(`${kino.baseUrl}/play/t/${early.token}/live/${stream.id}/master.m3u8`);
    expect(idle.status).toBe(404);
    expect(((await idle.json()) as { code: string }).code).toBe('live_stream_idle');
    const pub = publish(stream.url, { seconds: 10 });
    const mediaId = await waitFor('the broadcast', 20_000, async () => {
      const s = await getStream(kino, tenant.key, stream.id);
      return s.activeMediaId ?? undefined;
    });
    const open = await fetch(`${kino.baseUrl}/play/live/${stream.id}/master.m3u8`);
    expect(open.status).toBe(401);
    expect((await fetch(`${kino.baseUrl}/play/${mediaId}/live/video.m3u8`)).status).toBe(401);
    const tokenRes = await kino.call(tenant.key, 'POST', `/v1/live-streams/${stream.id}/playback-tokens`, {});
    expect(tokenRes.statusCode).toBe(201);
    const { playback, token } = tokenRes.json<{ token: string; playback: { hls: string } }>();
    const tokenUrl = playback.hls.replace(/^http:\/\/[^/]+/, kino.baseUrl);
    const master = await waitFor('a first segment', 20_000, async () => {
      const res = await fetch(tokenUrl);
      return res.status === 200 ? res : undefined;
    });
    const text = await master.text();
    const child = text.split('\n').find((l) => l.endsWith('video.m3u8'))!;
    const media = await fetch(new URL(child, master.url));
    expect(media.status).toBe(200);
    expect(new URL(child, master.url).pathname).toContain(`/play/t/${token}/${mediaId}/`);
    // Another stream's token opens nothing here.
    const other = await createStream(kino, tenant.key, { visibility: 'private' });
    const otherToken = (
      await kino.call(tenant.key, 'POST', `/v1/live-streams/${other.id}/playback-tokens`, {})
    ).json<{ token: string }>().token;
    expect((await fetch(`${kino.baseUrl}/play/t/${otherToken}/live/${stream.id}/master.m3u8`)).status).toBe(
      403,
    );
    await pub.exited;
  }, 60_000);

  it("keeps one tenant out of another tenant's streams", async () => {
    const stream = await createStream(kino, tenant.key);
    const other = await kino.tenant('other');
    for (const [method, path] of [
      ['GET', `/v1/live-streams/${stream.id}`],
      ['PATCH', `/v1/live-streams/${stream.id}`],
      ['DELETE', `/v1/live-streams/${stream.id}`],
      ['POST', `/v1/live-streams/${stream.id}/reset-stream-key`],
      ['POST', `/v1/live-streams/${stream.id}/complete`],
      ['POST', `/v1/live-streams/${stream.id}/disable`],
      ['POST', `/v1/live-streams/${stream.id}/playback-tokens`],
    ] as const) {
      const res = await kino.call(
        other.key,
        method,
        path,
        method === 'GET' || method === 'DELETE' ? undefined : {},
      );
      expect(res.statusCode, `${method} ${path}`).toBe(404);
    }
    const list = await kino.call(other.key, 'GET', '/v1/live-streams');
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(0);
    const readKey = await kino.key(tenant.id, 'read');
    expect((await kino.call(readKey, 'POST', '/v1/live-streams', {})).statusCode).toBe(403);
    const shown = await kino.call(tenant.key, 'GET', `/v1/live-streams/${stream.id}`);
    expect(shown.body).not.toContain(stream.streamKey!);
    // A replayed create (Idempotency-Key) answers the stream without its key: none is stored.
    const create = () =>
      kino.app.inject({
        method: 'POST',
        url: '/v1/live-streams',
        headers: { authorization: `Bearer ${tenant.key}`, 'idempotency-key': 'live-create-1' },
        payload: { title: 'Replayed' },
      });
    const first = (await create()).json<{ id: string; streamKey?: string }>();
    const replay = (await create()).json<{ id: string; streamKey?: string; redacted?: string[] }>();
    expect(first.streamKey).toBeDefined();
    expect(replay.id).toBe(first.id);
    expect(replay.streamKey).toBeUndefined();
    expect(replay.redacted).toEqual(['streamKey', 'ingest']);
  });
});
