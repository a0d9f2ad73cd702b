import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tusUpload, waitForMedia } from '../../test/media-upload.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import { UNSUPPORTED_FORMAT_MESSAGE } from './input-format.ts';
import { probeFile } from './probe-file.ts';
import { MediaRejectedError } from './probe.ts';

/**
 * Files that make a careless ffmpeg read other files or open connections: playlists and concat
 * lists naming /etc/passwd and a local listener, and an image named like an image sequence.
 * Kino must refuse each as `unsupported_media` before its demuxer reads a line, so the listener
 * sees no connection.
 */
describe('untrusted input to ffmpeg', () => {
  let dir: string;
  let listener: net.Server;
  let connections = 0;
  let files: Record<string, string>;
  let tooWide: string;
  let kino: TestKino;
  let base: string;

  beforeAll(async () => {
    listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as net.AddressInfo;
    const local = `127.0.0.1:${port}`;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kino-untrusted-'));
    const write = async (name: string, text: string) => {
      const file = path.join(dir, name);
      await fs.writeFile(file, text);
      return file;
    };
    const jpeg = path.join(dir, 'frame-%03d.jpg');
    await promisify(execFile)('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=1'],
      ...['-frames:v', '1', '-f', 'image2', '-update', '1', jpeg],
    ]);
    files = {
      'HLS playlist naming /etc/passwd and a local listener': await write(
        'evil.m3u8',
        [
          '#EXTM3U',
          '#EXT-X-TARGETDURATION:10',
          '#EXTINF:10,',
          'file:///etc/passwd',
          '#EXTINF:10,',
          `http://${local}/segment.ts`,
          '#EXTINF:10,',
          `tcp://${local}`,
          '#EXT-X-ENDLIST',
          '',
        ].join('\n'),
      ),
      'concat list naming /etc/passwd and a local listener': await write(
        'evil.ffconcat',
        [
          'ffconcat version 1.0',
          "file '/etc/passwd'",
          `file 'tcp://${local}'`,
          `file 'http://${local}/x.mp4'`,
          '',
        ].join('\n'),
      ),
      'image named like an image sequence': jpeg,
      'SDP description of a stream from a local address': await write(
        'evil.sdp',
        [
          'v=0',
          'o=- 0 0 IN IP4 127.0.0.1',
          's=x',
          `c=IN IP4 127.0.0.1`,
          't=0 0',
          `m=video ${port} RTP/AVP 96`,
          'a=rtpmap:96 H264/90000',
          '',
        ].join('\n'),
      ),
    };
    // 2 KB of H.264 whose pictures are 8208 pixels wide: one side past the largest Kino accepts.
    tooWide = path.join(dir, 'too-wide.mp4');
    await promisify(execFile)('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'color=s=8208x16:d=0.2:r=30'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', tooWide],
    ]);
    kino = await startTestKino('sqlite');
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    kino.start();
  }, 60_000);

  afterAll(async () => {
    await kino.close();
    await new Promise((resolve) => listener.close(resolve));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('ffprobe refuses each file by its demuxer', async () => {
    for (const [what, file] of Object.entries(files)) {
      const err = await probeFile(file).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, what).toBeInstanceOf(MediaRejectedError);
      expect(err, what).toMatchObject({ code: 'unsupported_media', message: UNSUPPORTED_FORMAT_MESSAGE });
    }
    expect(connections).toBe(0);
  });

  it('uploaded, each ends errored with unsupported_media, and nothing connected to the listener', async () => {
    const { key } = await kino.tenant();
    const ids: string[] = [];
    for (const file of Object.values(files)) {
      ids.push((await tusUpload(base, key, file, { filename: path.basename(file) })).mediaId);
    }
    const { final } = await waitForMedia(kino, key, ids, { timeoutMs: 60_000, pollMs: 100 });
    for (const id of ids) {
      expect(final.get(id)).toMatchObject({
        status: 'errored',
        playable: false,
        error: { code: 'unsupported_media', message: UNSUPPORTED_FORMAT_MESSAGE },
      });
    }
    // A failed media is not retried: its one processing job is dead after one attempt.
    const jobs = await kino.database.db
      .selectFrom('jobs')
      .select(['state', 'attempt'])
      .where('type', '=', 'media.process')
      .execute();
    expect(jobs).toEqual(ids.map(() => ({ state: 'dead', attempt: 1 })));
    expect(connections).toBe(0);
  }, 90_000);

  it('a picture larger than Kino accepts ends errored with unsupported_media, without retries', async () => {
    const { key, id: tenantId } = await kino.tenant();
    const { mediaId } = await tusUpload(base, key, tooWide, { filename: 'too-wide.mp4' });
    const { final } = await waitForMedia(kino, key, [mediaId], { timeoutMs: 60_000, pollMs: 100 });
    const media = final.get(mediaId);
    expect(media).toMatchObject({ status: 'errored', playable: false, error: { code: 'unsupported_media' } });
    expect(media?.error?.message).toMatch(/8208×16.*8192 pixels wide or tall/);
    const jobs = await kino.database.db
      .selectFrom('jobs')
      .select(['type', 'state', 'attempt'])
      .where('tenant_id', '=', tenantId)
      .where('type', 'in', ['media.process', 'media.encode'])
      .execute();
    expect(jobs).toEqual([{ type: 'media.process', state: 'dead', attempt: 1 }]);
  }, 90_000);
});
