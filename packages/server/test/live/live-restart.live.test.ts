import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../e2e/kino-process.ts';
import { killableKino, type KillableKino } from '../e2e/killable-kino.ts';
import { publish, type Publisher } from '../live-publisher.ts';
import { playlistSegments, waitFor, type StreamJson } from './live-fixture.ts';

describe('a live process killed during a broadcast', () => {
  let kino: KillableKino;
  let rtmpPort: number;
  let key: string;

  beforeAll(async () => {
    rtmpPort = await freePort();
    kino = await killableKino({ KINO_RTMP_PORT: String(rtmpPort), KINO_LIVE_PUBLIC_HOST: '127.0.0.1' });
    await kino.start();
    const tenant = await api<{ apiKey: string }>('POST', '/v1/tenants', { name: 'live' }, kino.operatorKey);
    key = tenant.apiKey;
  }, 120_000);
  afterAll(() => kino.close());

  async function api<T>(method: string, path: string, body?: unknown, bearer = key): Promise<T> {
    const res = await fetch(`${kino.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Publishes until Kino takes the publisher (right after a restart the old one may still look alive). */
  async function publishUntilTaken(url: string, seconds: number): Promise<Publisher> {
    for (let i = 0; i < 30; i++) {
      const p = publish(url, { seconds });
      const early = await Promise.race([
        p.exited,
        new Promise((r) =>
          setTimeout(() => {
            r('running');
          }, 3000),
        ),
      ]);
      if (early === 'running') return p;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error('Kino never took the publisher back');
  }

  it('continues the same broadcast when the publisher reconnects after the restart', async () => {
    const stream = await api<StreamJson>('POST', '/v1/live-streams', {
      title: 'Crash',
      reconnectWindowSeconds: 60,
    });
    expect(stream.ingest.rtmpUrl).toBe(`rtmp://127.0.0.1:${rtmpPort}/live/${stream.streamKey}`);
    const first = publish(stream.ingest.rtmpUrl!, { seconds: 60 });
    const mediaId = await waitFor('segments', 30_000, async () => {
      const s = await api<StreamJson>('GET', `/v1/live-streams/${stream.id}`);
      if (!s.activeMediaId) return undefined;
      const res = await fetch(`${kino.baseUrl}/play/${s.activeMediaId}/live/video.m3u8`);
      return res.ok && playlistSegments(await res.text()).length >= 2 ? s.activeMediaId : undefined;
    });

    await kino.kill();
    await first.exited;
    await kino.start();

    const second = await publishUntilTaken(stream.ingest.rtmpUrl!, 8);
    const back = await api<StreamJson>('GET', `/v1/live-streams/${stream.id}`);
    expect(back.status).toBe('active');
    expect(back.activeMediaId).toBe(mediaId);
    await second.exited;
    // Its last segment is stored when the publisher has left (reconnecting); then end it now.
    await waitFor('the publisher to leave', 15_000, async () =>
      (await api<StreamJson>('GET', `/v1/live-streams/${stream.id}`)).status === 'reconnecting'
        ? true
        : undefined,
    );
    await api('POST', `/v1/live-streams/${stream.id}/complete`);
    const vod = await (await fetch(`${kino.baseUrl}/play/${mediaId}/live/video.m3u8`)).text();
    expect(vod).toContain('#EXT-X-ENDLIST');
    const segments = playlistSegments(vod);
    expect(segments.filter((s) => s.discontinuity)).toHaveLength(1);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    const media = await api<{ items: { id: string }[] }>('GET', '/v1/media');
    expect(media.items.map((m) => m.id)).toEqual([mediaId]);
  }, 240_000);
});
