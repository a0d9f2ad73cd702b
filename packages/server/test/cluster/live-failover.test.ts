import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, type Publisher } from '../live-publisher.ts';
import { playlistSegments } from '../live/live-fixture.ts';
import { ClusterFixture, waitFor, type Tenant } from './cluster-fixture.ts';

interface Stream {
  id: string;
  status: string;
  streamKey?: string;
  activeMediaId: string | null;
}

/**
 * The cluster shape of live streaming: two live processes behind nginx's TCP balancer, state in
 * PostgreSQL, segments in S3. The process carrying a broadcast is killed; the encoder reconnects
 * through nginx to the other one, which continues the same broadcast.
 */
describe('two live processes behind nginx', () => {
  let fx: ClusterFixture;
  let tenant: Tenant;

  beforeAll(async () => {
    fx = await ClusterFixture.start({
      apiProcesses: 1,
      workerProcesses: 1,
      liveProcesses: 2,
      env: { KINO_LOG_LEVEL: 'warn' },
    });
    tenant = await fx.tenant('live');
  }, 180_000);
  afterAll(async () => {
    await (fx as ClusterFixture | undefined)?.stop();
  }, 60_000);

  const stream = async (id: string) =>
    (await fx.call<Stream>(tenant.key, 'GET', `/v1/live-streams/${id}`)).body;
  const text = async (path: string) => {
    const res = await fetch(`${fx.url}${path}`);
    return res.ok ? res.text() : undefined;
  };
  /** Publishes until a live process takes the encoder (the dead owner's broadcast waits a few seconds). */
  const publishUntilTaken = async (url: string, seconds: number): Promise<Publisher> => {
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
    throw new Error('no live process took the encoder back');
  };

  it('continues the broadcast on the other process when the one carrying it is killed', async () => {
    const created = await fx.call<Stream>(tenant.key, 'POST', '/v1/live-streams', {
      reconnectWindowSeconds: 60,
    });
    expect(created.status).toBe(201);
    const { id, streamKey } = created.body;
    const url = `${fx.cluster.rtmpUrl ?? ''}/${streamKey ?? ''}`;
    const first = publish(url, { seconds: 60 });
    const mediaId = await waitFor(
      'two segments through nginx',
      async () => {
        const s = await stream(id);
        const list = s.activeMediaId ? await text(`/play/${s.activeMediaId}/live/video.m3u8`) : undefined;
        return list && playlistSegments(list).length >= 2 ? s.activeMediaId : undefined;
      },
      40_000,
    );
    // The process carrying it says so on its own /metrics.
    const carrying = await waitFor(
      'the carrying process',
      async () => {
        for (const node of fx.cluster.live) {
          const metrics = await (await fetch(`${node.url}/metrics`)).text();
          if (/^kino_live_broadcasts_active 1$/m.test(metrics)) return node;
        }
        return undefined;
      },
      10_000,
    );
    await carrying.kill('SIGKILL');
    await first.exited;

    const second = await publishUntilTaken(url, 8);
    const back = await stream(id);
    expect(back.status).toBe('active');
    expect(back.activeMediaId).toBe(mediaId);
    await second.exited;
    await waitFor(
      'the encoder to leave',
      async () => ((await stream(id)).status === 'reconnecting' ? true : undefined),
      15_000,
    );
    expect((await fx.call(tenant.key, 'POST', `/v1/live-streams/${id}/complete`)).status).toBe(200);
    const vod = (await text(`/play/${mediaId}/live/video.m3u8`)) ?? '';
    expect(vod).toContain('#EXT-X-ENDLIST');
    const segments = playlistSegments(vod);
    expect(segments.filter((s) => s.discontinuity)).toHaveLength(1);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    await carrying.start();
  }, 240_000);
});
