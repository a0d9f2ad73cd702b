import { startS3Server, type S3Server } from '@kino/testkit/s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { publishMedia, startPlayKino, type PlayKino, type PublishedMedia } from '../../test/play-fixture.ts';
import { PRESIGN_SECONDS } from './delivery-routes.ts';

const as = (key: string) => ({ authorization: `Bearer ${key}` });

describe('/play from S3-compatible storage', () => {
  let s3: S3Server;
  let streaming: PlayKino;
  let redirecting: PlayKino;

  beforeAll(async () => {
    s3 = await startS3Server();
    // The storage adapter uses the SDK's credential chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const storage = `s3://${s3.bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}&forcePathStyle=true`;
    streaming = await startPlayKino({ KINO_STORAGE_URL: storage });
    redirecting = await startPlayKino({ KINO_STORAGE_URL: storage, KINO_PLAY_REDIRECT: 'presigned' });
  });
  afterAll(async () => {
    await streaming.close();
    await redirecting.close();
    await s3.stop();
  });

  describe('streaming', () => {
    let media: PublishedMedia;
    beforeAll(async () => {
      media = await publishMedia(streaming, await streaming.tenant());
    });

    it('passes each range through to S3 and streams exactly those bytes', async () => {
      const get = vi.spyOn(streaming.storage, 'get');
      const file = media.files.get('video-180p.mp4')!;
      const key = `/play/${media.id}/${media.version}/video-180p.mp4`;
      const part = await streaming.request('GET', key, { headers: { range: 'bytes=1000-1999' } });
      expect(part.statusCode).toBe(206);
      expect(part.rawPayload.equals(file.subarray(1000, 2000))).toBe(true);
      expect(get).toHaveBeenLastCalledWith(expect.stringMatching(/video-180p\.mp4$/), {
        start: 1000,
        end: 1999,
      });

      const s = media.index.renditions[0]!.index.segments[1]!;
      const segment = await streaming.request('GET', `/play/${media.id}/${media.version}/video-180p/1.m4s`, {
        headers: { range: 'bytes=5-9' },
      });
      expect(segment.statusCode).toBe(206);
      expect(segment.rawPayload.equals(file.subarray(s.offset + 5, s.offset + 10))).toBe(true);
      expect(get).toHaveBeenLastCalledWith(expect.any(String), { start: s.offset + 5, end: s.offset + 9 });

      const whole = await streaming.request('GET', `/play/${media.id}/${media.version}/download.mp4`);
      expect(whole.statusCode).toBe(200);
      expect(whole.rawPayload.equals(media.files.get('download.mp4')!)).toBe(true);
      // The size came from one HEAD, kept: the next request for it goes straight to GetObject.
      const head = vi.spyOn(streaming.storage, 'head');
      await streaming.request('GET', `/play/${media.id}/${media.version}/download.mp4`, {
        headers: { range: 'bytes=0-0' },
      });
      expect(head).not.toHaveBeenCalled();
      get.mockRestore();
      head.mockRestore();
    });
  });

  describe('redirecting to presigned URLs (KINO_PLAY_REDIRECT=presigned)', () => {
    let tenant: { id: string; key: string };
    let pub: PublishedMedia;
    let priv: PublishedMedia;

    beforeAll(async () => {
      tenant = await redirecting.tenant();
      pub = await publishMedia(redirecting, tenant);
      priv = await publishMedia(redirecting, tenant, { visibility: 'private' });
    });

    const follow = async (path: string, headers: Record<string, string> = {}) => {
      const res = await redirecting.request('GET', path, { headers });
      expect(res.statusCode, path).toBe(302);
      expect(res.headers['cache-control']).toBe('no-store');
      const location = String(res.headers.location);
      expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/`), location).toBe(true);
      return { location, target: await fetch(location, { headers }) };
    };

    it('sends whole files to S3, where the client’s Range gets the right bytes and type', async () => {
      for (const [name, type] of [
        ['video-180p.mp4', 'video/mp4'],
        ['audio.mp4', 'audio/mp4'],
        ['poster.jpg', 'image/jpeg'],
        ['download.mp4', 'video/mp4'],
      ] as const) {
        const file = pub.files.get(name)!;
        const { location, target } = await follow(`/play/${pub.id}/${pub.version}/${name}`);
        expect(new URL(location).searchParams.get('X-Amz-Expires')).toBe(String(PRESIGN_SECONDS));
        expect(target.status).toBe(200);
        expect(target.headers.get('content-type')).toBe(type);
        expect(Buffer.from(await target.arrayBuffer()).equals(file), name).toBe(true);
        // (s3rver answers suffix ranges, bytes=-N, wrongly; S3 itself does not.)
        for (const [range, start, end] of [
          ['bytes=0-99', 0, 99],
          ['bytes=1234-', 1234, file.length - 1],
        ] as const) {
          const ranged = (await follow(`/play/${pub.id}/${pub.version}/${name}`, { range })).target;
          expect(ranged.status, `${name} ${range}`).toBe(206);
          expect(ranged.headers.get('content-range')).toBe(`bytes ${start}-${end}/${file.length}`);
          expect(Buffer.from(await ranged.arrayBuffer()).equals(file.subarray(start, end + 1))).toBe(true);
        }
      }
      // The stable names go the same way.
      const poster = await follow(`/play/${pub.id}/poster.jpg`);
      expect(Buffer.from(await poster.target.arrayBuffer()).equals(pub.files.get('poster.jpg')!)).toBe(true);
    });

    it('plays an HLS playlist’s byte ranges through the redirects', async () => {
      const playlist = (await redirecting.request('GET', `/play/${pub.id}/${pub.version}/video-180p.m3u8`))
        .body;
      const file = pub.files.get('video-180p.mp4')!;
      for (const [, length, offset] of playlist.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)/g)) {
        const [start, end] = [Number(offset), Number(offset) + Number(length) - 1];
        const { target } = await follow(`/play/${pub.id}/${pub.version}/video-180p.mp4`, {
          range: `bytes=${start}-${end}`,
        });
        expect(Buffer.from(await target.arrayBuffer()).equals(file.subarray(start, end + 1))).toBe(true);
      }
    });

    it('streams what is not a whole file (virtual segments, playlists) and answers 304 without a redirect', async () => {
      const s = pub.index.renditions[1]!.index.segments[0]!;
      const segment = await redirecting.request('GET', `/play/${pub.id}/${pub.version}/audio/0.m4s`);
      expect(segment.statusCode).toBe(200);
      expect(
        segment.rawPayload.equals(pub.files.get('audio.mp4')!.subarray(s.offset, s.offset + s.length)),
      ).toBe(true);
      for (const path of [
        'master.m3u8',
        'manifest.mpd',
        'storyboard.vtt',
        `${pub.version}/video-180p.m3u8`,
      ]) {
        expect((await redirecting.request('GET', `/play/${pub.id}/${path}`)).statusCode, path).toBe(200);
      }
      const etag = `"${pub.version}/download.mp4/0-${pub.files.get('download.mp4')!.length - 1}"`;
      const cached = await redirecting.request('GET', `/play/${pub.id}/${pub.version}/download.mp4`, {
        headers: { 'if-none-match': etag },
      });
      expect(cached.statusCode).toBe(304);
    });

    it('checks tokens before redirecting, and presigns no longer than the token lives', async () => {
      const bare = await redirecting.request('GET', `/play/${priv.id}/${priv.version}/download.mp4`);
      expect(bare.statusCode).toBe(401);
      expect(bare.headers.location).toBeUndefined();
      const res = await redirecting.request('POST', `/v1/media/${priv.id}/playback-tokens`, {
        headers: as(tenant.key),
        body: { expiresInSeconds: 60 },
      });
      const token = res.json<{ token: string }>().token;
      const { location, target } = await follow(`/play/t/${token}/${priv.id}/${priv.version}/download.mp4`);
      expect(Number(new URL(location).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(60);
      expect(Buffer.from(await target.arrayBuffer()).equals(priv.files.get('download.mp4')!)).toBe(true);
    });
  });
});
