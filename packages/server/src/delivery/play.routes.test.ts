import { generate } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tusUpload, waitForMedia } from '../../test/media-upload.ts';
import { parseHls } from '../../test/stream-parsers.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import type { MediaJson } from '../media/media.schemas.ts';
import type { PlaybackIndex } from '../media/playback-index.ts';
import { parseRange, resolveVersionFile } from './play.routes.ts';

const INDEX: PlaybackIndex = {
  durationSeconds: 5,
  renditions: [
    {
      id: 'video-360p',
      kind: 'video',
      file: 'video-360p.mp4',
      codec: 'avc1.64001e',
      width: 640,
      height: 360,
      frameRate: 30,
      index: {
        initLength: 800,
        segments: [
          { duration: 2, offset: 800, length: 1000 },
          { duration: 2, offset: 1800, length: 900 },
          { duration: 1, offset: 2700, length: 500 },
        ],
      },
    },
    {
      id: 'audio',
      kind: 'audio',
      file: 'audio.mp4',
      codec: 'mp4a.40.2',
      width: null,
      height: null,
      frameRate: null,
      index: { initLength: 600, segments: [{ duration: 5, offset: 600, length: 4000 }] },
    },
  ],
  poster: 'poster.jpg',
  storyboard: {
    sheets: ['storyboard-0.jpg'],
    intervalSeconds: 1,
    tileWidth: 160,
    tileHeight: 90,
    columns: 5,
    perSheet: 5,
    count: 5,
  },
  download: 'download.mp4',
};

describe('resolveVersionFile', () => {
  it('serves the playlists, init segments and numbered segments it lists', () => {
    expect(resolveVersionFile(INDEX, 'video-360p.m3u8')).toMatchObject({
      kind: 'text',
      type: 'application/vnd.apple.mpegurl',
    });
    expect(resolveVersionFile(INDEX, 'video-360p/init.mp4')).toEqual({
      kind: 'bytes',
      file: 'video-360p.mp4',
      type: 'video/mp4',
      range: { start: 0, end: 799 },
    });
    expect(resolveVersionFile(INDEX, 'video-360p/1.m4s')).toEqual({
      kind: 'bytes',
      file: 'video-360p.mp4',
      type: 'video/iso.segment',
      range: { start: 1800, end: 2699 },
    });
    expect(resolveVersionFile(INDEX, 'audio/0.m4s')).toMatchObject({ range: { start: 600, end: 4599 } });
  });

  it('serves whole listed files with their type, and the storyboard with sheet URLs', () => {
    expect(resolveVersionFile(INDEX, 'video-360p.mp4')).toEqual({
      kind: 'bytes',
      file: 'video-360p.mp4',
      type: 'video/mp4',
    });
    expect(resolveVersionFile(INDEX, 'poster.jpg')).toMatchObject({ file: 'poster.jpg', type: 'image/jpeg' });
    expect(resolveVersionFile(INDEX, 'storyboard-0.jpg')).toMatchObject({ type: 'image/jpeg' });
    expect(resolveVersionFile(INDEX, 'download.mp4')).toMatchObject({ file: 'download.mp4' });
    const vtt = resolveVersionFile(INDEX, 'storyboard.vtt', 'job_1-1/');
    expect(vtt).toMatchObject({ kind: 'text', type: 'text/vtt; charset=utf-8' });
    expect(vtt?.kind === 'text' && vtt.body).toContain('job_1-1/storyboard-0.jpg#xywh=0,0,160,90');
  });

  it('resolves nothing for a version without poster, storyboard or download', () => {
    const bare = { ...INDEX, poster: null, storyboard: null, download: null };
    for (const name of ['poster.jpg', 'storyboard.vtt', 'storyboard-0.jpg', 'download.mp4']) {
      expect(resolveVersionFile(bare, name), name).toBeNull();
    }
  });

  const HOSTILE = [
    '',
    '.',
    '..',
    '../index.json',
    '../../../../etc/passwd',
    '..%2findex.json',
    '%2e%2e/index.json',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..\\index.json',
    'video-360p.mp4/../index.json',
    'video-360p/../../index.json',
    './video-360p.mp4',
    '/video-360p.mp4',
    'video-360p.mp4/',
    'video-360p.mp4\0.jpg',
    'video-360p.mp4\0',
    'poster.jpg%00',
    'poster.jpg ',
    ' poster.jpg',
    'VIDEO-360P.MP4',
    'Video-360p.m3u8',
    'index.json',
    'index-playable.json',
    'video-360p.ffmpeg.m3u8',
    'audio.ffmpeg.m3u8',
    'source',
    'storyboard-1.jpg',
    'storyboard-%d.jpg',
    'video-720p.m3u8',
    'video-720p/0.m4s',
    'video-360p/3.m4s',
    'video-360p/-1.m4s',
    'video-360p/1e0.m4s',
    'video-360p/0x1.m4s',
    'video-360p/1.5.m4s',
    'video-360p/9999999.m4s',
    'video-360p/0.m4s/',
    'video-360p/init.mp4/',
    'video-360p//0.m4s',
    'video-360p%2f0.m4s',
    'video-360p.mp4%2f..%2findex.json',
    'constructor',
    '__proto__',
    'toString',
    'constructor.m3u8',
    '__proto__/init.mp4',
    'hasOwnProperty/0.m4s',
    'vidéo-360p.m3u8',
    'video\u2010360p.m3u8',
    'poster\u2024jpg',
    'x'.repeat(5000),
    `${'a/'.repeat(500)}poster.jpg`,
    'poster.jpg'.repeat(100),
  ];

  it.each(HOSTILE.map((name) => [JSON.stringify(name).slice(0, 60), name]))(
    'never resolves %s',
    (_label, name) => {
      expect(resolveVersionFile(INDEX, name)).toBeNull();
    },
  );
});

describe('parseRange', () => {
  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=500-', { start: 500, end: 999 }],
    ['bytes=999-', { start: 999, end: 999 }],
    ['bytes=0-5000', { start: 0, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    [' bytes=1-2 ', { start: 1, end: 2 }],
  ])('%s of 1000 bytes', (header, range) => {
    expect(parseRange(header, 1000)).toEqual(range);
  });

  it.each(['bytes=1000-', 'bytes=1000-2000', 'bytes=5-4', 'bytes=-0', 'bytes=99999999999999999999-'])(
    '%s of 1000 bytes is unsatisfiable',
    (header) => {
      expect(parseRange(header, 1000)).toBe('unsatisfiable');
    },
  );

  it.each([
    undefined,
    '',
    'bytes=',
    'bytes=-',
    'bytes=0-1,5-6',
    'bytes=0x10-',
    'bytes=1.5-2',
    'bytes = 0-1',
    'items=0-1',
    'bytes=-1-2',
    'bytes=0-1\r\nX: y',
  ])('serves the whole file for %j', (header) => {
    expect(parseRange(header, 1000)).toBeNull();
  });

  it('finds nothing to satisfy in an empty file', () => {
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=-5', 0)).toBe('unsatisfiable');
  });
});

describe('/play over a processed media', () => {
  let kino: TestKino;
  let key: string;
  let tenantId: string;
  let pub: MediaJson;
  let priv: MediaJson;
  let version: string;
  const files = new Map<string, Buffer>();

  const get = (url: string, headers: Record<string, string> = {}) =>
    kino.app.inject({ method: 'GET', url, headers });
  const tokenFor = async (id: string, body: Record<string, unknown> = {}) => {
    const res = await kino.call(key, 'POST', `/v1/media/${id}/playback-tokens`, body);
    expect(res.statusCode).toBe(201);
    return res.json<{ token: string; expiresAt: string; playback: { hls: string } }>();
  };

  beforeAll(async () => {
    const clip = await generate({ width: 320, height: 180, durationSec: 2 });
    kino = await startTestKino('sqlite');
    const base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    ({ key, id: tenantId } = await kino.tenant());
    kino.start();
    const [a, b] = await Promise.all([
      tusUpload(base, key, clip, { filename: 'public.mp4' }),
      tusUpload(base, key, clip, { filename: 'private.mp4', visibility: 'private' }),
    ]);
    const { final } = await waitForMedia(kino, key, [a.mediaId, b.mediaId], { timeoutMs: 90_000 });
    pub = final.get(a.mediaId)!;
    priv = final.get(b.mediaId)!;
    expect([pub.status, priv.status]).toEqual(['ready', 'ready']);
    expect(priv.visibility).toBe('private');
    // Nothing else runs while the clock is moved below.
    await kino.jobs.stop();

    const master = (await get(`/play/${pub.id}/master.m3u8`)).body;
    version = /^(\S+)\/video-\d+p\.m3u8$/m.exec(master)?.[1] ?? '';
    expect(version).toMatch(/^job_[a-z0-9]+-1$/);
    for await (const object of kino.storage.list(`media/${tenantId}/${pub.id}/`)) {
      const { body } = await kino.storage.get(object.key);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      files.set(object.key.split('/').pop()!, Buffer.concat(chunks));
    }
  }, 120_000);

  afterAll(async () => {
    vi.useRealTimers();
    await kino.close();
  });

  it('serves a rendition file whole, and any byte range of it with 206', async () => {
    const file = files.get('video-180p.mp4')!;
    const url = `/play/${pub.id}/${version}/video-180p.mp4`;
    const whole = await get(url);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(Number(whole.headers['content-length'])).toBe(file.length);
    expect(whole.rawPayload.equals(file)).toBe(true);
    expect(whole.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=100-', 100, file.length - 1],
      ['bytes=-10', file.length - 10, file.length - 1],
      [`bytes=5-${file.length + 1000}`, 5, file.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await get(url, { range });
      expect(res.statusCode, range).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${file.length}`);
      expect(Number(res.headers['content-length'])).toBe(end - start + 1);
      expect(res.rawPayload.equals(file.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers 416 with the size for a range past the end', async () => {
    const file = files.get('video-180p.mp4')!;
    const res = await get(`/play/${pub.id}/${version}/video-180p.mp4`, { range: `bytes=${file.length}-` });
    expect(res.statusCode).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${file.length}`);
    expect(res.rawPayload.length).toBe(0);
  });

  it('serves each numbered segment as its byte window of the file, ranges relative to it', async () => {
    const file = files.get('video-180p.mp4')!;
    const playlist = parseHls((await get(`/play/${pub.id}/${version}/video-180p.m3u8`)).body).manifest;
    const init = await get(`/play/${pub.id}/${version}/video-180p/init.mp4`);
    expect(init.statusCode).toBe(200);
    expect(init.rawPayload.equals(file.subarray(0, playlist.segments[0]!.map!.byterange!.length))).toBe(true);
    for (const [n, s] of playlist.segments.entries()) {
      const { offset, length } = s.byterange!;
      const res = await get(`/play/${pub.id}/${version}/video-180p/${n}.m4s`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('video/iso.segment');
      expect(res.rawPayload.equals(file.subarray(offset, offset + length))).toBe(true);
      const part = await get(`/play/${pub.id}/${version}/video-180p/${n}.m4s`, { range: 'bytes=4-11' });
      expect(part.statusCode).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 4-11/${length}`);
      expect(part.rawPayload.equals(file.subarray(offset + 4, offset + 12))).toBe(true);
      const past = await get(`/play/${pub.id}/${version}/video-180p/${n}.m4s`, { range: `bytes=${length}-` });
      expect(past.statusCode).toBe(416);
    }
    const beyond = await get(`/play/${pub.id}/${version}/video-180p/${playlist.segments.length}.m4s`);
    expect(beyond.statusCode).toBe(404);
  });

  it('answers HEAD like GET, without a body', async () => {
    for (const path of [`${version}/video-180p.mp4`, 'master.m3u8', 'poster.jpg', `${version}/audio/0.m4s`]) {
      const got = await get(`/play/${pub.id}/${path}`);
      const head = await kino.app.inject({ method: 'HEAD', url: `/play/${pub.id}/${path}` });
      expect(head.statusCode, path).toBe(200);
      expect(head.headers['content-type']).toBe(got.headers['content-type']);
      expect(head.rawPayload.length).toBe(0);
      if (got.headers['content-length'] !== undefined) {
        expect(head.headers['content-length']).toBe(got.headers['content-length']);
      }
    }
  });

  it('refuses private media without a token: 401 playback_token_required on every URL', async () => {
    for (const path of [
      'master.m3u8',
      'manifest.mpd',
      'poster.jpg',
      'storyboard.vtt',
      'download.mp4',
      `${version}/video-180p.m3u8`,
      `${version}/video-180p.mp4`,
      `${version}/video-180p/0.m4s`,
      `${version}/audio/init.mp4`,
    ]) {
      const res = await get(`/play/${priv.id}/${path}`);
      expect(res.statusCode, path).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'playback_token_required', status: 401 });
    }
  });

  it('plays private media through the token URL, down to every segment', async () => {
    const { token, playback } = await tokenFor(priv.id);
    const masterPath = new URL(playback.hls).pathname;
    expect(masterPath).toBe(`/play/t/${token}/${priv.id}/master.m3u8`);
    const master = await get(masterPath);
    expect(master.statusCode).toBe(200);
    expect(master.headers['cache-control']).toMatch(/^private/);
    const variants = parseHls(master.body).manifest.playlists ?? [];
    expect(variants.length).toBeGreaterThan(0);
    for (const variant of variants) {
      const playlistPath = new URL(variant.uri, `http://x${masterPath}`).pathname;
      const playlist = await get(playlistPath);
      expect(playlist.statusCode).toBe(200);
      for (const segment of parseHls(playlist.body).manifest.segments) {
        const { offset, length } = segment.byterange!;
        const res = await get(new URL(segment.uri, `http://x${playlistPath}`).pathname, {
          range: `bytes=${offset}-${offset + length - 1}`,
        });
        expect(res.statusCode).toBe(206);
        expect(res.rawPayload.length).toBe(length);
      }
    }
    // The master's child URLs carry a session grant in the token's place; the token opens them too.
    const privVersion = new URL(variants[0]!.uri, `http://x${masterPath}`).pathname.split('/').at(-2)!;
    for (const path of [
      'manifest.mpd',
      'poster.jpg',
      'storyboard.vtt',
      'download.mp4',
      `${privVersion}/audio/0.m4s`,
    ]) {
      expect((await get(`/play/t/${token}/${priv.id}/${path}`)).statusCode, path).toBe(200);
    }
  });

  it('refuses a token for another media with 403, whichever media is private', async () => {
    const forPublic = (await tokenFor(pub.id)).token;
    const forPrivate = (await tokenFor(priv.id)).token;
    for (const url of [
      `/play/t/${forPublic}/${priv.id}/master.m3u8`,
      `/play/t/${forPublic}/${priv.id}/poster.jpg`,
      `/play/t/${forPrivate}/${pub.id}/master.m3u8`,
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.json()).toMatchObject({ code: 'invalid_playback_token' });
    }
  });

  it('refuses a tampered or malformed token with 403', async () => {
    const { token } = await tokenFor(priv.id);
    const [body, signature] = token.split('.');
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const bad of [`${body}.${flipped}`, body!, `${token}.x`, 'x', `${token}=`]) {
      const res = await get(`/play/t/${encodeURIComponent(bad)}/${priv.id}/master.m3u8`);
      expect(res.statusCode, bad).toBe(403);
    }
  });

  it('refuses an expired token with 403', async () => {
    const { token, expiresAt } = await tokenFor(priv.id, { expiresInSeconds: 10 });
    expect((await get(`/play/t/${token}/${priv.id}/master.m3u8`)).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(expiresAt).getTime() + 1000);
      const res = await get(`/play/t/${token}/${priv.id}/master.m3u8`);
      expect(res.statusCode).toBe(403);
      expect(res.json<{ detail: string }>().detail).toMatch(/expired/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a token bound to another address', async () => {
    const { token } = await tokenFor(priv.id, { ip: '203.0.113.7' });
    expect((await get(`/play/t/${token}/${priv.id}/master.m3u8`)).statusCode).toBe(403);
    const mine = (await tokenFor(priv.id, { ip: '127.0.0.1' })).token;
    expect((await get(`/play/t/${mine}/${priv.id}/master.m3u8`)).statusCode).toBe(200);
  });

  it('never serves bytes outside the media’s published files, whatever the path', async () => {
    const token = (await tokenFor(pub.id)).token;
    const published = new Map([...files].filter(([name]) => !name.endsWith('.json')));
    const secrets = [...files].filter(([name]) => name.endsWith('.json')).map(([, bytes]) => bytes);
    const other = await kino.call(key, 'POST', '/v1/media', { title: 'other' });
    const otherId = other.json<MediaJson>().id;

    const traversals = [
      '../',
      '..%2f',
      '..%2F',
      '%2e%2e/',
      '%2e%2e%2f',
      '%252e%252e%252f',
      '.%2e/',
      '..;/',
      '..%5c',
      '..\\',
      '%c0%ae%c0%ae/',
      '%e2%80%a5/',
      '%ef%bc%8e%ef%bc%8e/',
      './',
      '//',
      '%2f',
    ];
    const targets = [
      'index.json',
      'index-playable.json',
      `${version}/index.json`,
      `${version}/index-playable.json`,
      `${priv.id}/master.m3u8`,
      `${otherId}/master.m3u8`,
      `media/${tenantId}/${pub.id}/${version}/index.json`,
      'etc/passwd',
      'kino.sqlite',
      'operator-key',
      `${version}/video-180p.ffmpeg.m3u8`,
      `${version}/source`,
    ];
    const oddNames = [
      'video-180p.mp4%00.jpg',
      'video-180p.mp4%00',
      'VIDEO-180P.MP4',
      'video-180p.mp4%2f',
      'video-180p.mp4;.jpg',
      'video-180p/%2e%2e/index.json',
      'video-180p/0.m4s%00',
      'video-180p/99999999.m4s',
      'video-180p/-1.m4s',
      'video-180p/1e0.m4s',
      'poster.jpg%20',
      '%ff%fe',
      '%',
      '%zz',
      '%u002e%u002e/index.json',
      'constructor',
      '__proto__',
      '__proto__/init.mp4',
      'x'.repeat(300),
      'a/'.repeat(150),
      encodeURIComponent('vidéo-180p.mp4'),
      encodeURIComponent('poster\u2024jpg'),
      '.',
      '..',
      '',
    ];
    const payloads = [
      ...traversals.flatMap((t) => targets.flatMap((target) => [1, 3, 6].map((n) => t.repeat(n) + target))),
      ...oddNames,
    ];
    const roots = [
      `/play/${pub.id}/`,
      `/play/${pub.id}/${version}/`,
      `/play/t/${token}/${pub.id}/`,
      `/play/t/${token}/${pub.id}/${version}/`,
    ];
    const otherRoots = [
      `/play/${otherId}/${version}/`,
      `/play/${priv.id}/${version}/`,
      `/play/${pub.id}/job_0000000000000000000000000-1/`,
      `/play/${pub.id}%2f..%2f${priv.id}/`,
      `/play/..%2f${priv.id}/`,
      '/play/',
      '/play/t/x/',
    ];
    // Legitimate names among the noise: they must be served, and pass the same checks.
    const control = [
      `/play/${pub.id}/master.m3u8`,
      `/play/${pub.id}/manifest.mpd`,
      `/play/${pub.id}/poster.jpg`,
      `/play/${pub.id}/storyboard.vtt`,
      `/play/${pub.id}/${version}/video-180p.mp4`,
      `/play/${pub.id}/${version}/video-180p/0.m4s`,
      `/play/${pub.id}/${version}/audio/init.mp4`,
      `/play/t/${token}/${pub.id}/${version}/storyboard-0.jpg`,
      `/play/t/${token}/${pub.id}/download.mp4`,
    ];
    const paths = [
      ...control,
      ...roots.flatMap((root) => payloads.map((p) => root + p)),
      ...otherRoots.flatMap((root) =>
        ['master.m3u8', 'video-180p.mp4', 'poster.jpg', ...oddNames].map((p) => root + p),
      ),
    ];
    expect(paths.length).toBeGreaterThan(300);

    const served: string[] = [];
    for (const path of paths) {
      const res = await get(path);
      expect(res.statusCode, path).toBeLessThan(500);
      if (res.statusCode >= 300) continue;
      const body = res.rawPayload;
      const type = String(res.headers['content-type']);
      for (const secret of secrets) expect(body.includes(secret), path).toBe(false);
      // `/play/..` normalises to `/`, the console's page: no media byte.
      if (type.startsWith('text/html') && /^<!doctype html>/i.test(body.toString('utf8', 0, 15))) continue;
      served.push(path);
      if (/mpegurl|dash\+xml|text\/vtt/.test(type)) {
        expect(body.toString('utf8'), path).toMatch(/^(#EXTM3U|<\?xml|WEBVTT)/);
        continue;
      }
      const inside = [...published.values()].some((file) => file.includes(body));
      expect(inside, `${path} served ${body.length} bytes that are no published file's`).toBe(true);
    }
    expect(served).toEqual(control);
  });
});
