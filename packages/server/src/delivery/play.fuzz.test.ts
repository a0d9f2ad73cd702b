import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishMedia, startPlayKino, type PlayKino, type PublishedMedia } from '../../test/play-fixture.ts';

/**
 * Hostile paths against /play, built by fast-check from pieces that have broken file servers
 * before: dot segments in every encoding, encoded and doubled slashes, backslashes, NUL, overlong
 * UTF-8, look-alike Unicode, very long names, and tokens in the wrong places. Whatever comes back,
 * it is never a 5xx and never a byte outside the media's published files (the index files, other
 * media, and anything private without its token stay out).
 */
describe('/play under hostile paths', () => {
  let kino: PlayKino;
  let pub: PublishedMedia;
  let priv: PublishedMedia;
  let pubToken: string;
  let privToken: string;
  let otherToken: string;

  beforeAll(async () => {
    kino = await startPlayKino();
    const tenant = await kino.tenant();
    pub = await publishMedia(kino, tenant);
    priv = await publishMedia(kino, tenant, { visibility: 'private' });
    const token = async (id: string) =>
      (
        await kino.request('POST', `/v1/media/${id}/playback-tokens`, {
          headers: { authorization: `Bearer ${tenant.key}` },
          body: {},
        })
      ).json<{ token: string }>().token;
    [pubToken, privToken] = await Promise.all([token(pub.id), token(priv.id)]);
    otherToken = await token(pub.id);
  });
  afterAll(async () => {
    await kino.close();
  });

  const segmentArb = () =>
    fc.oneof(
      fc.constantFrom(
        '..',
        '.',
        '',
        '%2e%2e',
        '%2E%2E',
        '.%2e',
        '%2e.',
        '%252e%252e',
        '%25252e%25252e',
        '..%2f',
        '..%2F',
        '..%5c',
        '..\\',
        '\\..',
        '%5c..',
        '%c0%ae%c0%ae',
        '%c0%af',
        '%e0%80%ae',
        '%ef%bc%8e%ef%bc%8e',
        '%e2%80%a5',
        '．．',
        '%00',
        '\0',
        'poster.jpg%00',
        'poster.jpg\0.png',
        '%0d%0aX-Injected: 1',
        ';',
        '..;',
        '%3b',
        '?',
        '#',
        '%3f',
        '%23',
        '~',
        '%7e',
        '%',
        '%zz',
        '%u002e',
        '%2f',
        '%252f',
        '//',
        '/',
        'index.json',
        'index-playable.json',
        'source',
        'master.m3u8',
        'manifest.mpd',
        'video-180p.mp4',
        'VIDEO-180P.MP4',
        'audio.mp4',
        'video-180p',
        'audio',
        'init.mp4',
        '0.m4s',
        '2.m4s',
        '3.m4s',
        '-1.m4s',
        '1e0.m4s',
        '0x1.m4s',
        '99999999.m4s',
        'video-180p.m3u8',
        'audio.m3u8',
        'poster.jpg',
        'storyboard.vtt',
        'storyboard-0.jpg',
        'storyboard-1.jpg',
        'download.mp4',
        'job_other-1',
        't',
        '__proto__',
        'constructor',
        'vidéo-180p.mp4',
        'video\u2010180p.mp4',
        'ｖｉｄｅｏ-180p.mp4',
        'kino.sqlite',
        'etc',
        'passwd',
        'media',
      ),
      fc.constant(null).map(() => pub.version),
      fc.constant(null).map(() => priv.version),
      fc.constant(null).map(() => pub.id),
      fc.constant(null).map(() => priv.id),
      fc.constant(null).map(() => pubToken),
      fc.constant(null).map(() => privToken),
      fc.constant(null).map(() => `${privToken}x`),
      fc.constant(null).map(() => encodeURIComponent(`media/${pub.id}`)),
      fc.nat({ max: 2000 }).map((n) => 'x'.repeat(n)),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent),
    );

  /** Paths that are served, for the mutations to start from. */
  const validPaths = () => [
    `/play/${pub.id}/master.m3u8`,
    `/play/${pub.id}/manifest.mpd`,
    `/play/${pub.id}/poster.jpg`,
    `/play/${pub.id}/download.mp4`,
    `/play/${pub.id}/storyboard.vtt`,
    `/play/${pub.id}/${pub.version}/video-180p.mp4`,
    `/play/${pub.id}/${pub.version}/video-180p/1.m4s`,
    `/play/${pub.id}/${pub.version}/audio/init.mp4`,
    `/play/${pub.id}/${pub.version}/storyboard-0.jpg`,
    `/play/t/${pubToken}/${pub.id}/${pub.version}/audio.mp4`,
    `/play/t/${privToken}/${priv.id}/master.m3u8`,
    `/play/t/${privToken}/${priv.id}/${priv.version}/video-180p/0.m4s`,
    `/play/t/${privToken}/${priv.id}/${priv.version}/download.mp4`,
    `/play/t/${privToken}/${priv.id}/poster.jpg`,
    `/embed/${pub.id}`,
  ];

  /** A character percent-encoded, unreserved ones too (half a surrogate pair stays as it is). */
  const encode = (c: string) => {
    try {
      return encodeURIComponent(c).replace(/^[A-Za-z0-9._~-]$/, (x) => `%${x.charCodeAt(0).toString(16)}`);
    } catch {
      return c;
    }
  };
  const mutationArb = fc.oneof(
    fc.constant((path: string) => path),
    fc.record({ at: fc.nat(), piece: segmentArb() }).map(({ at, piece }) => (path: string) => {
      const parts = path.split('/');
      parts.splice(2 + (at % (parts.length - 1)), 0, piece);
      return parts.join('/');
    }),
    fc.record({ at: fc.nat(), piece: segmentArb() }).map(({ at, piece }) => (path: string) => {
      const parts = path.split('/');
      parts[2 + (at % (parts.length - 2))] = piece;
      return parts.join('/');
    }),
    fc.record({ at: fc.nat(), twice: fc.boolean() }).map(({ at, twice }) => (path: string) => {
      const i = at % path.length;
      const encoded = encode(path[i] ?? '');
      return path.slice(0, i) + (twice ? encoded.replace('%', '%25') : encoded) + path.slice(i + 1);
    }),
    segmentArb().map((piece) => (path: string) => `${path}${piece}`),
    segmentArb().map((piece) => (path: string) => `${path}/${piece}`),
  );

  const pathArb = fc
    .record({
      url: fc.oneof(
        fc
          .record({
            start: fc.nat(),
            mutations: fc.array(mutationArb, { minLength: 0, maxLength: 3 }),
          })
          .map(({ start, mutations }) => {
            const paths = validPaths();
            return mutations.reduce((path, mutate) => mutate(path), paths[start % paths.length] ?? '/');
          }),
        fc
          .record({
            root: fc.constantFrom('/play/', '/play/t/', '/play//', '/PLAY/', '/play/t//', '/embed/'),
            segments: fc.array(segmentArb(), { minLength: 0, maxLength: 8 }),
          })
          .map(({ root, segments }) => root + segments.join('/')),
      ),
      query: fc.oneof(
        fc.constant(''),
        fc.constant(''),
        fc.constant(null).map(() => `?token=${privToken}`),
        fc.constantFrom('?../../index.json', '?x=%00', '?', '?token=..%2f'),
      ),
      method: fc.constantFrom('GET' as const, 'GET' as const, 'HEAD' as const),
      range: fc.option(
        fc.constantFrom(
          'bytes=0-',
          'bytes=-1',
          'bytes=0-0',
          'bytes=99999999-',
          'bytes=-0',
          'bytes=1-0',
          'bytes=5-9',
        ),
        { nil: undefined },
      ),
    })
    .map((r) => ({ ...r, url: r.url + r.query }));

  const decoded = (path: string) => {
    try {
      return decodeURIComponent(path);
    } catch {
      return path;
    }
  };

  it('never answers 5xx and never serves a byte outside the published files', async () => {
    const published = (m: PublishedMedia) =>
      [...m.files].filter(([name]) => !name.endsWith('.json')).map(([, b]) => b);
    const secrets = [...pub.files, ...priv.files]
      .filter(([name]) => name.endsWith('.json'))
      .map(([, b]) => b);
    let served = 0;
    await fc.assert(
      fc.asyncProperty(pathArb, async ({ url, method, range }) => {
        let res;
        try {
          res = await kino.request(method, url, { headers: range ? { range } : {} });
        } catch (error) {
          // The in-process client refuses some URLs outright (as an HTTP parser would); nothing reached Kino.
          expect(String(error)).toMatch(/invalid|URL|character/i);
          return;
        }
        expect(res.statusCode, url).toBeLessThan(500);
        if (res.statusCode >= 300 || method === 'HEAD') return;
        served++;
        const body = res.rawPayload;
        const type = String(res.headers['content-type']);
        for (const secret of secrets)
          expect(body.length > 0 && secret.includes(body) && body.length > 16, url).toBe(false);
        if (/mpegurl|dash\+xml|text\/vtt|text\/html/.test(type)) {
          expect(body.toString('utf8'), url).toMatch(/^(#EXTM3U|<\?xml|WEBVTT|<!doctype html>)/);
          return;
        }
        const inPublic = published(pub).some((file) => file.includes(body));
        const inPrivate = published(priv).some((file) => file.includes(body));
        expect(inPublic || inPrivate, `${url} served ${body.length} bytes of no published file`).toBe(true);
        if (inPrivate && !inPublic) {
          // Percent-encoded unreserved characters are the same path once decoded (RFC 3986).
          expect(decoded(url.split('?')[0] ?? ''), 'private bytes without the private token').toContain(
            `/t/${privToken}/${priv.id}/`,
          );
        }
      }),
      { numRuns: 2000 },
    );
    // The generator reaches real files often enough for the byte check to mean something.
    expect(served).toBeGreaterThan(100);
  });

  it('opens nothing with a token in the wrong place', async () => {
    for (const url of [
      `/play/${priv.id}/master.m3u8?token=${privToken}`,
      `/play/${priv.id}/t/${privToken}/master.m3u8`,
      `/play/t/${otherToken}/${priv.id}/master.m3u8`,
      `/play/t/${pubToken}/${priv.id}/${priv.version}/video-180p/0.m4s`,
      `/play/t/${privToken}/t/${privToken}/${priv.id}/master.m3u8`,
      `/play/t/${privToken}%2f${priv.id}/master.m3u8`,
      `/play/t/${encodeURIComponent(`${privToken}/${priv.id}`)}/master.m3u8`,
      `/play/t/${privToken}.${privToken.split('.')[1]}/${priv.id}/master.m3u8`,
      `/play/t/%20${privToken}/${priv.id}/master.m3u8`,
    ]) {
      const res = await kino.request('GET', url);
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
    }
  });
});
