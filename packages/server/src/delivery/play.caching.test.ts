import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishMedia, startPlayKino, type PlayKino, type PublishedMedia } from '../../test/play-fixture.ts';

describe('/play caching, conditional requests, HEAD, types and CORS', () => {
  let kino: PlayKino;
  let tenant: { id: string; key: string };
  let pub: PublishedMedia;
  let priv: PublishedMedia;
  let token: string;

  const get = (url: string, headers: Record<string, string> = {}) => kino.request('GET', url, { headers });

  beforeAll(async () => {
    kino = await startPlayKino();
    tenant = await kino.tenant();
    pub = await publishMedia(kino, tenant);
    priv = await publishMedia(kino, tenant, { visibility: 'private' });
    const res = await kino.request('POST', `/v1/media/${priv.id}/playback-tokens`, {
      headers: { authorization: `Bearer ${tenant.key}` },
      body: { expiresInSeconds: 600 },
    });
    expect(res.statusCode).toBe(201);
    token = res.json<{ token: string }>().token;
  });

  afterAll(async () => {
    await kino.close();
  });

  const segment = (m: PublishedMedia, n: number) => {
    const s = m.index.renditions[0]!.index.segments[n]!;
    return m.files.get('video-180p.mp4')!.subarray(s.offset, s.offset + s.length);
  };

  it('answers every kind of file with its content type', async () => {
    const v = pub.version;
    const cases: [string, string][] = [
      ['master.m3u8', 'application/vnd.apple.mpegurl'],
      ['manifest.mpd', 'application/dash+xml'],
      [`${v}/video-180p.m3u8`, 'application/vnd.apple.mpegurl'],
      [`${v}/video-180p.mp4`, 'video/mp4'],
      [`${v}/audio.mp4`, 'audio/mp4'],
      [`${v}/video-180p/init.mp4`, 'video/mp4'],
      [`${v}/audio/init.mp4`, 'audio/mp4'],
      [`${v}/video-180p/0.m4s`, 'video/iso.segment'],
      [`${v}/poster.jpg`, 'image/jpeg'],
      [`${v}/storyboard-0.jpg`, 'image/jpeg'],
      ['storyboard.vtt', 'text/vtt; charset=utf-8'],
      ['download.mp4', 'video/mp4'],
    ];
    for (const [path, type] of cases) {
      const res = await get(`/play/${pub.id}/${path}`);
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['content-type'], path).toBe(type);
    }
  });

  it('caches versioned bytes for good, playlists briefly, and restricted answers privately', async () => {
    const v = pub.version;
    const cache = async (url: string) => (await get(url)).headers['cache-control'];
    expect(await cache(`/play/${pub.id}/${v}/video-180p/1.m4s`)).toBe('public, max-age=31536000, immutable');
    expect(await cache(`/play/${pub.id}/${v}/video-180p.mp4`)).toBe('public, max-age=31536000, immutable');
    expect(await cache(`/play/${pub.id}/master.m3u8`)).toBe('public, max-age=2');
    expect(await cache(`/play/${pub.id}/manifest.mpd`)).toBe('public, max-age=2');
    expect(await cache(`/play/${pub.id}/${v}/video-180p.m3u8`)).toBe('public, max-age=60');
    expect(await cache(`/play/${pub.id}/poster.jpg`)).toBe('public, max-age=60');
    // Through a token: private, and never kept longer than the token lives.
    const segment = await cache(`/play/t/${token}/${priv.id}/${priv.version}/video-180p/1.m4s`);
    const maxAge = Number(/^private, max-age=(\d+), immutable$/.exec(String(segment))?.[1]);
    expect(maxAge).toBeGreaterThan(590);
    expect(maxAge).toBeLessThanOrEqual(600);
    expect(await cache(`/play/t/${token}/${priv.id}/master.m3u8`)).toBe('private, max-age=2');
    // Errors are not cached anywhere.
    const refused = await get(`/play/${priv.id}/${priv.version}/video-180p/1.m4s`);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.headers.etag).toBeUndefined();
    expect((await get(`/play/${pub.id}/${v}/video-180p/99.m4s`)).headers['cache-control']).toBe('no-store');
  });

  it('gives versioned bytes a strong ETag from version, file and window, and answers If-None-Match with 304', async () => {
    const url = `/play/${pub.id}/${pub.version}/video-180p/1.m4s`;
    const first = await get(url);
    const s = pub.index.renditions[0]!.index.segments[1]!;
    expect(first.headers.etag).toBe(`"${pub.version}/video-180p.mp4/${s.offset}-${s.offset + s.length - 1}"`);
    const etag = String(first.headers.etag);
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await get(url, { 'if-none-match': header });
      expect(again.statusCode, header).toBe(304);
      expect(again.rawPayload.length).toBe(0);
      expect(again.headers.etag).toBe(etag);
      expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    expect((await get(url, { 'if-none-match': '"other"' })).statusCode).toBe(200);
    // Each segment and the whole file have their own tag.
    const tags = new Set(
      await Promise.all(
        [
          `${pub.version}/video-180p/0.m4s`,
          `${pub.version}/video-180p/1.m4s`,
          `${pub.version}/video-180p.mp4`,
        ].map(async (p) => (await get(`/play/${pub.id}/${p}`)).headers.etag),
      ),
    );
    expect(tags.size).toBe(3);
  });

  it('tags playlists by content and answers 304 for them too', async () => {
    const master = await get(`/play/${pub.id}/master.m3u8`);
    const etag = String(master.headers.etag);
    expect(etag).toMatch(/^"t-[\w-]{22}"$/);
    const again = await get(`/play/${pub.id}/master.m3u8`, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    const mpd = await get(`/play/${pub.id}/manifest.mpd`);
    expect(mpd.headers.etag).not.toBe(etag);
  });

  it('checks the token before any 304: a validator opens nothing', async () => {
    const url = `/play/t/${token}/${priv.id}/${priv.version}/video-180p/0.m4s`;
    const etag = String((await get(url)).headers.etag);
    expect((await get(url, { 'if-none-match': etag })).statusCode).toBe(304);
    const bare = await get(`/play/${priv.id}/${priv.version}/video-180p/0.m4s`, { 'if-none-match': etag });
    expect(bare.statusCode).toBe(401);
  });

  it('honours a Range under a current If-Range, and sends the whole thing under a stale one', async () => {
    const url = `/play/${pub.id}/${pub.version}/video-180p/1.m4s`;
    const bytes = segment(pub, 1);
    const etag = String((await get(url)).headers.etag);
    const fresh = await get(url, { range: 'bytes=10-19', 'if-range': etag });
    expect(fresh.statusCode).toBe(206);
    expect(fresh.headers['content-range']).toBe(`bytes 10-19/${bytes.length}`);
    expect(fresh.rawPayload.equals(bytes.subarray(10, 20))).toBe(true);
    for (const stale of ['"job_old-1/video-180p.mp4/0-9"', `W/${etag}`, 'Wed, 21 Oct 2015 07:28:00 GMT']) {
      const whole = await get(url, { range: 'bytes=10-19', 'if-range': stale });
      expect(whole.statusCode, stale).toBe(200);
      expect(whole.headers['content-range']).toBeUndefined();
      expect(whole.rawPayload.equals(bytes)).toBe(true);
    }
    // A whole file too.
    const file = pub.files.get('download.mp4')!;
    const download = `/play/${pub.id}/${pub.version}/download.mp4`;
    const tag = String((await get(download)).headers.etag);
    expect(tag).toBe(`"${pub.version}/download.mp4/0-${file.length - 1}"`);
    const part = await get(download, { range: 'bytes=-100', 'if-range': tag });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.equals(file.subarray(file.length - 100))).toBe(true);
    expect((await get(download, { range: 'bytes=-100', 'if-range': '"x"' })).rawPayload.length).toBe(
      file.length,
    );
  });

  it('answers HEAD on every route with GET’s headers and no body', async () => {
    const v = pub.version;
    for (const path of [
      `/play/${pub.id}/master.m3u8`,
      `/play/${pub.id}/manifest.mpd`,
      `/play/${pub.id}/storyboard.vtt`,
      `/play/${pub.id}/poster.jpg`,
      `/play/${pub.id}/download.mp4`,
      `/play/${pub.id}/${v}/video-180p.m3u8`,
      `/play/${pub.id}/${v}/video-180p.mp4`,
      `/play/${pub.id}/${v}/audio/init.mp4`,
      `/play/${pub.id}/${v}/video-180p/2.m4s`,
      `/play/t/${token}/${priv.id}/${priv.version}/video-180p/0.m4s`,
    ]) {
      const got = await get(path);
      const head = await kino.request('HEAD', path);
      expect(head.statusCode, path).toBe(200);
      expect(head.rawPayload.length, path).toBe(0);
      for (const name of ['content-type', 'content-length', 'etag', 'cache-control', 'accept-ranges']) {
        expect(head.headers[name], `${path} ${name}`).toBe(got.headers[name]);
      }
    }
    const ranged = await kino.request('HEAD', `/play/${pub.id}/${v}/video-180p.mp4`, {
      headers: { range: 'bytes=0-9' },
    });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-length']).toBe('10');
    expect(ranged.headers['content-range']).toBe(`bytes 0-9/${pub.files.get('video-180p.mp4')!.length}`);
    const refused = await kino.request('HEAD', `/play/${priv.id}/master.m3u8`);
    expect(refused.statusCode).toBe(401);
  });

  it('lets players on other origins read bytes and errors, and preflights Range', async () => {
    const res = await get(`/play/${pub.id}/${pub.version}/video-180p/0.m4s`, {
      origin: 'https://player.example',
    });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-expose-headers'])).toMatch(/content-range.*etag/);
    const refused = await get(`/play/${priv.id}/master.m3u8`, { origin: 'https://player.example' });
    expect(refused.headers['access-control-allow-origin']).toBe('*');
    for (const path of [
      `/play/${pub.id}/${pub.version}/video-180p/0.m4s`,
      `/play/t/${token}/${priv.id}/master.m3u8`,
    ]) {
      const preflight = await kino.request('OPTIONS', path, {
        headers: {
          origin: 'https://player.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'range',
        },
      });
      expect(preflight.statusCode, path).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      expect(String(preflight.headers['access-control-allow-headers'])).toContain('range');
      expect(String(preflight.headers['access-control-allow-methods'])).toContain('GET');
    }
  });
});
