import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageLayout } from '../../src/storage/storage-layout.ts';
import { run } from '../media-tools.ts';
import { publish } from '../live-publisher.ts';
import {
  createStream,
  getStream,
  playlistSegments,
  startLiveKino,
  waitFor,
  type LiveKino,
} from './live-fixture.ts';

/** The command lines of this process's children (to see that no SRT listener was started). */
function childCommands(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'args=', '--ppid', String(process.pid)], (_err, stdout) => {
      resolve(stdout.split('\n').filter(Boolean));
    });
  });
}

/** Samples this process's children until `done` settles: every SRT listener ffmpeg seen. */
async function listenersDuring(done: Promise<unknown>): Promise<string[]> {
  const seen = new Set<string>();
  const state = { over: false };
  void done.finally(() => {
    state.over = true;
  });
  while (!state.over) {
    for (const c of await childCommands()) if (c.includes('mode=listener')) seen.add(c);
    await new Promise((r) => setTimeout(r, 50));
  }
  return [...seen];
}

describe('SRT ingest', () => {
  let kino: LiveKino;
  let tenant: { id: string; key: string };

  beforeAll(async () => {
    kino = await startLiveKino('sqlite+disk');
    tenant = await kino.tenant();
  });
  afterAll(() => kino.close());

  const get = async (path: string) => {
    const res = await fetch(`${kino.baseUrl}${path}`);
    return { status: res.status, text: await res.text() };
  };
  const probe = (url: string) =>
    run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', url]);

  it('plays an SRT publisher live over HLS and DASH, and keeps one media across a killed publisher', async () => {
    const stream = await createStream(kino, tenant.key, { reconnectWindowSeconds: 15 });
    expect(stream.ingest.srtUrl).toMatch(
      new RegExp(`^srt://[^/?]+:${kino.srtPort}\\?streamid=publish:${stream.streamKey}$`),
    );
    const first = publish(stream.srtUrl, { seconds: 30 });
    const master = await waitFor('the live master playlist', 30_000, async () => {
      const res = await get(`/play/live/${stream.id}/master.m3u8`);
      return res.status === 200 ? res.text : undefined;
    });
    expect(master).toMatch(/CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
    // The check the refusals rely on sees an accepted caller's listener.
    expect((await childCommands()).some((c) => c.includes('mode=listener'))).toBe(true);
    const mediaId = (await getStream(kino, tenant.key, stream.id)).activeMediaId;
    expect(mediaId).toBeTruthy();
    for (const path of [`/play/live/${stream.id}/master.m3u8`, `/play/live/${stream.id}/manifest.mpd`]) {
      const read = await probe(`${kino.baseUrl}${path}`);
      expect(read.stdout).toContain('h264');
      expect(read.stdout).toContain('aac');
    }
    // Killed mid-stream (no SRT shutdown reaches Kino): the relay goes quiet, the window opens.
    await first.kill();
    await waitFor('the reconnect window', 30_000, async () =>
      (await getStream(kino, tenant.key, stream.id)).status === 'reconnecting' ? true : undefined,
    );
    const second = publish(stream.srtUrl, { seconds: 8 });
    const back = await waitFor('the publisher to be back', 20_000, async () => {
      const s = await getStream(kino, tenant.key, stream.id);
      return s.status === 'active' ? s : undefined;
    });
    expect(back.activeMediaId).toBe(mediaId);
    expect(await second.exited).toBe(0);
    await waitFor('the second session to be listed', 20_000, async () =>
      (await getStream(kino, tenant.key, stream.id)).status === 'reconnecting' ? true : undefined,
    );
    expect(
      (await kino.call(tenant.key, 'POST', `/v1/live-streams/${stream.id}/complete`, {})).statusCode,
    ).toBe(200);
    const idle = await waitFor('the end', 20_000, async () => {
      const s = await getStream(kino, tenant.key, stream.id);
      return s.status === 'idle' ? s : undefined;
    });
    expect(idle.recentMediaIds).toEqual([mediaId]);
    const vod = (await get(`/play/${mediaId}/live/video.m3u8`)).text;
    expect(vod).toContain('#EXT-X-ENDLIST');
    expect(playlistSegments(vod).filter((s) => s.discontinuity)).toHaveLength(1);
    const metrics = await kino.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/kino_live_publishers_total\{protocol="srt",outcome="accepted"\} 2/);
  }, 120_000);

  it('refuses a wrong key, no stream id, a disabled stream and a second publisher: nothing started, nothing kept', async () => {
    // A tenant of its own: nothing of the other tests is under its prefix.
    const own = await kino.tenant('srt-refusals');
    const stream = await createStream(kino, own.key, { reconnectWindowSeconds: 0 });
    const wrongKey = stream.srtUrl.replace(/-[A-Za-z0-9_-]{43}$/, `-${'A'.repeat(43)}`);
    const attempts = Promise.all(
      [
        wrongKey,
        `srt://127.0.0.1:${kino.srtPort}`,
        `srt://127.0.0.1:${kino.srtPort}?streamid=read:${stream.streamKey}`,
      ].map((url) => publish(url, { seconds: 5 }).exited),
    );
    const listeners = await listenersDuring(attempts);
    for (const code of await attempts) expect(code).not.toBe(0);
    expect(listeners).toEqual([]);
    expect((await getStream(kino, own.key, stream.id)).status).toBe('idle');

    await kino.call(own.key, 'POST', `/v1/live-streams/${stream.id}/disable`, {});
    const disabled = publish(stream.srtUrl, { seconds: 5 }).exited;
    expect(await listenersDuring(disabled)).toEqual([]);
    expect(await disabled).not.toBe(0);
    await kino.call(own.key, 'POST', `/v1/live-streams/${stream.id}/enable`, {});

    const media = await kino.call(own.key, 'GET', '/v1/media');
    expect(media.json<{ items: unknown[] }>().items).toHaveLength(0);
    let stored = 0;
    for await (const _ of kino.storage.list(storageLayout.tenantPrefix(own.id))) stored++;
    expect(stored).toBe(0);

    // RTMP is live: the same key over SRT is refused, and the RTMP publisher goes on.
    const rtmp = publish(stream.url, { seconds: 12 });
    await waitFor('the RTMP publisher', 20_000, async () =>
      (await getStream(kino, own.key, stream.id)).status === 'active' ? true : undefined,
    );
    const busy = publish(stream.srtUrl, { seconds: 5 }).exited;
    expect(await listenersDuring(busy)).toEqual([]);
    expect(await busy).not.toBe(0);
    expect((await getStream(kino, own.key, stream.id)).status).toBe('active');
    expect(await rtmp.exited).toBe(0);

    const metrics = await kino.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/kino_live_publishers_total\{protocol="srt",outcome="refused"\} [5-9]/);
    expect(metrics.body).toMatch(/kino_live_publishers_refused_total\{reason="live_stream_busy"\} 1/);
  }, 90_000);

  it('refuses HEVC over SRT with the reason (FLV cannot carry it)', async () => {
    const stream = await createStream(kino, tenant.key, { reconnectWindowSeconds: 0 });
    const hevc = publish(stream.srtUrl, { seconds: 8, video: 'hevc' });
    const refused = await waitFor('the reason', 30_000, async () => {
      const s = await getStream(kino, tenant.key, stream.id);
      return s.error ? s : undefined;
    });
    expect(refused.error?.code).toBe('unsupported_live_codec');
    await hevc.kill();
    await waitFor('the stream to be idle', 20_000, async () =>
      (await getStream(kino, tenant.key, stream.id)).status === 'idle' ? true : undefined,
    );
  }, 60_000);
});
