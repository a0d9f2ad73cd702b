import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_BACKENDS, startMediaKino, type MediaKino } from '../../test/media-kino.ts';

const TUS = { 'tus-resumable': '1.0.0' };
const OCTETS = { 'content-type': 'application/offset+octet-stream' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * A WebM as MediaRecorder writes it (`-live 1`: no duration, no cues), VP8 + Opus, `seconds` long,
 * from ffmpeg's test sources. `cutAt` keeps only that share of its bytes: a part cut by a crash
 * mid-cluster.
 */
function recorderWebm(
  dir: string,
  name: string,
  seconds: number,
  opts: { size?: string; cutAt?: number } = {},
) {
  const file = path.join(dir, name);
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=${opts.size ?? '320x240'}:rate=15`],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-t', String(seconds), '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k'],
    ...['-g', '15', '-c:a', 'libopus', '-f', 'webm', '-live', '1', file],
  ]);
  const bytes = fs.readFileSync(file);
  return opts.cutAt === undefined ? bytes : bytes.subarray(0, Math.floor(bytes.length * opts.cutAt));
}

describe.each(MEDIA_BACKENDS)('recordings on %s', (backend) => {
  let k: MediaKino;
  let baseUrl: string;
  let tenant: { id: string; key: string };
  let other: { id: string; key: string };
  let dir: string;
  beforeAll(async () => {
    k = await startMediaKino(backend);
    await k.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(k.app.server.address() as AddressInfo).port}`;
    tenant = await k.tenant('school');
    other = await k.tenant('other');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recordings-test-'));
  });
  afterAll(async () => {
    await k.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const send = (
    method: string,
    url: string,
    key: string,
    headers: Record<string, string> = {},
    body?: Buffer,
  ) =>
    fetch(new URL(url, baseUrl), {
      method,
      headers: { ...TUS, authorization: `Bearer ${key}`, ...headers },
      ...(body && { body }),
    });
  const startRecording = async (body: unknown = {}, key = tenant.key) => {
    const res = await k.call(key, 'POST', '/v1/recordings', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; mediaId: string; status: string; uploadUrl: string }>();
  };
  /** Creates a part with a deferred length; answers the response and the part's URL. */
  const createPart = async (recordingId: string, track: string, part: number, key = tenant.key) => {
    const res = await send('POST', '/v1/uploads', key, {
      'upload-defer-length': '1',
      'upload-metadata': `recordingId ${b64(recordingId)},track ${b64(track)},part ${b64(String(part))}`,
    });
    return { res, url: new URL(res.headers.get('location') ?? '/', `${baseUrl}/v1/uploads/`).pathname };
  };
  const patch = (url: string, offset: number, bytes: Buffer, extra: Record<string, string> = {}) =>
    send('PATCH', url, tenant.key, { ...OCTETS, 'upload-offset': String(offset), ...extra }, bytes);
  const media = async (id: string) =>
    (await k.call(tenant.key, 'GET', `/v1/media/${id}`)).json<{
      status: string;
      durationSeconds: number | null;
      recovered: boolean;
      error: unknown;
      width: number | null;
      height: number | null;
    }>();
  const settled = async (id: string) => {
    for (let i = 0; i < 600; i++) {
      const m = await media(id);
      if (m.status === 'ready' || m.status === 'errored') return m;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`media ${id} did not settle`);
  };
  const problem = async (res: Response, status: number, code: string) => {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    if (text) expect(JSON.parse(text)).toMatchObject({ code });
  };

  it('joins a finished part and a part cut by a crash into one media of their length', async () => {
    const rec = await startRecording({ title: 'Lecture', tracks: ['camera'] });
    expect(rec.status).toBe('recording');
    expect(rec.uploadUrl).toMatch(/\/v1\/uploads$/);
    const first = recorderWebm(dir, 'a.webm', 3);
    const p0 = await createPart(rec.id, 'camera', 0);
    expect(p0.res.status, await p0.res.clone().text()).toBe(201);
    expect(p0.res.headers.get('kino-media-id')).toBe(rec.mediaId);
    // Two chunks as they are recorded; the last one declares the length.
    const half = Math.floor(first.length / 2);
    expect((await patch(p0.url, 0, first.subarray(0, half))).status).toBe(204);
    const last = await patch(p0.url, half, first.subarray(half), { 'upload-length': String(first.length) });
    expect(last.status).toBe(204);
    // The recorder crashed during part 1: its bytes end mid-cluster and its length is never declared.
    const cut = recorderWebm(dir, 'b.webm', 3, { cutAt: 0.7 });
    const p1 = await createPart(rec.id, 'camera', 1);
    expect((await patch(p1.url, 0, cut)).status).toBe(204);

    const done = await k.call(tenant.key, 'POST', `/v1/recordings/${rec.id}/complete`);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ status: 'joining', recovered: false });
    expect((await media(rec.mediaId)).status).toBe('waiting');
    const m = await settled(rec.mediaId);
    expect(m.status, JSON.stringify(m.error)).toBe('ready');
    expect(m.recovered).toBe(false);
    // 3 s, then about 70 % of 3 s: the broken tail is dropped, nothing before it.
    expect(m.durationSeconds).toBeGreaterThan(4);
    expect(m.durationSeconds).toBeLessThan(6.2);
    const recording = (await k.call(tenant.key, 'GET', `/v1/recordings/${rec.id}`)).json<{
      status: string;
    }>();
    expect(recording.status).toBe('completed');
  }, 120_000);

  it('completes a recording whose client never came back, marked recovered', async () => {
    const rec = await startRecording({ tracks: ['screen'] });
    const p0 = await createPart(rec.id, 'screen', 0);
    expect((await patch(p0.url, 0, recorderWebm(dir, 'c.webm', 2))).status).toBe(204);
    await k.jobs.queue.add({ type: 'recordings.sweep', payload: { abandonAfterMs: 1 } });
    const m = await settled(rec.mediaId);
    expect(m.status, JSON.stringify(m.error)).toBe('ready');
    expect(m.recovered).toBe(true);
    expect(m.durationSeconds).toBeGreaterThan(1.4);
  }, 120_000);

  it.runIf(backend === 'sqlite+disk')(
    'composes a camera and a screen into one picture, re-encoding camera parts of different sizes',
    async () => {
      const rec = await startRecording({ tracks: ['camera', 'screen'] });
      const send = async (track: string, part: number, bytes: Buffer) => {
        const p = await createPart(rec.id, track, part);
        expect(p.res.status).toBe(201);
        expect((await patch(p.url, 0, bytes, { 'upload-length': String(bytes.length) })).status).toBe(204);
      };
      // The camera restarted at another size after a crash; the screen ran on.
      await send('camera', 0, recorderWebm(dir, 'e.webm', 2));
      await send('camera', 1, recorderWebm(dir, 'f.webm', 2, { size: '240x180' }));
      await send('screen', 0, recorderWebm(dir, 'g.webm', 4, { size: '640x360' }));
      expect((await k.call(tenant.key, 'POST', `/v1/recordings/${rec.id}/complete`)).statusCode).toBe(200);
      const m = await settled(rec.mediaId);
      expect(m.status, JSON.stringify(m.error)).toBe('ready');
      expect(m).toMatchObject({ width: 640, height: 360 });
      expect(m.durationSeconds).toBeGreaterThan(3.5);
      expect(m.durationSeconds).toBeLessThan(4.6);
    },
    120_000,
  );

  it.runIf(backend === 'sqlite+disk')(
    'refuses bad parts with precise codes and keeps what is stored',
    async () => {
      const rec = await startRecording({ tracks: ['camera'] });
      // Nothing to finish yet.
      const empty = await k.call(tenant.key, 'POST', `/v1/recordings/${rec.id}/complete`);
      expect(empty.statusCode).toBe(409);
      expect(empty.json()).toMatchObject({ code: 'recording_empty' });
      // A zero-byte part holds nothing.
      const zero = await send('POST', '/v1/uploads', tenant.key, {
        'upload-length': '0',
        'upload-metadata': `recordingId ${b64(rec.id)},track ${b64('camera')},part ${b64('0')}`,
      });
      await problem(zero, 400, 'empty_part');
      // A track the recording does not have.
      await problem((await createPart(rec.id, 'screen', 0)).res, 400, 'invalid_request');
      const p2 = await createPart(rec.id, 'camera', 2);
      expect(p2.res.status).toBe(201);
      const bytes = recorderWebm(dir, 'd.webm', 1);
      expect((await patch(p2.url, 0, bytes)).status).toBe(204);
      // A retried creation of the same part, and a part before it.
      await problem((await createPart(rec.id, 'camera', 2)).res, 409, 'part_exists');
      await problem((await createPart(rec.id, 'camera', 1)).res, 409, 'part_out_of_order');
      // Another tenant reaches neither the recording nor its part.
      await problem((await createPart(rec.id, 'camera', 3, other.key)).res, 404, 'not_found');
      await problem(await send('HEAD', p2.url, other.key), 404, 'not_found');
      const foreign = await send(
        'PATCH',
        p2.url,
        other.key,
        { ...OCTETS, 'upload-offset': String(bytes.length) },
        bytes,
      );
      await problem(foreign, 404, 'not_found');
      expect((await k.call(other.key, 'GET', `/v1/recordings/${rec.id}`)).statusCode).toBe(404);
      expect((await k.call(other.key, 'POST', `/v1/recordings/${rec.id}/complete`)).statusCode).toBe(404);
      // The stored part is untouched: the server still has all of its bytes.
      const head = await send('HEAD', p2.url, tenant.key);
      expect(head.headers.get('upload-offset')).toBe(String(bytes.length));
      // Once completed, no part and no byte is taken any more.
      expect((await k.call(tenant.key, 'POST', `/v1/recordings/${rec.id}/complete`)).statusCode).toBe(200);
      await problem((await createPart(rec.id, 'camera', 3)).res, 409, 'recording_completed');
      await problem(await patch(p2.url, bytes.length, bytes), 409, 'recording_completed');
      expect((await settled(rec.mediaId)).status).toBe('ready');
    },
  );
});
