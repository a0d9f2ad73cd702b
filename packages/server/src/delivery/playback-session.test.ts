import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { publishMedia, startPlayKino, type PlayKino, type PublishedMedia } from '../../test/play-fixture.ts';
import { parseHls } from '../../test/stream-parsers.ts';
import { MAX_SESSION_GRACE_SECONDS } from '../media/playback-limits.ts';
import { SESSION_SLACK_SECONDS, sessionExpiresAt } from './playback-session.ts';

describe('sessionExpiresAt', () => {
  it("gives a session the media's duration and an hour beyond the token, at most a few hours", () => {
    expect(sessionExpiresAt(1_000, 600)).toBe(1_000 + 600 + SESSION_SLACK_SECONDS);
    expect(sessionExpiresAt(1_000, 7_200.4)).toBe(1_000 + 7_201 + SESSION_SLACK_SECONDS);
    expect(sessionExpiresAt(1_000, 100_000)).toBe(1_000 + MAX_SESSION_GRACE_SECONDS);
    expect(sessionExpiresAt(1_000, null)).toBe(1_000 + SESSION_SLACK_SECONDS);
  });
});

/**
 * A long session on a short token: the token's expiry is checked when the session starts (master
 * playlist), and the child URLs the master gave keep loading for the session's grace period.
 * The clock is Date's alone (timers stay real), which is what tokens and grants are checked with.
 */
describe('a playback session outliving its token', () => {
  let kino: PlayKino;
  let tenant: { id: string; key: string };
  let priv: PublishedMedia;
  const auth = () => ({ authorization: `Bearer ${tenant.key}` });

  beforeAll(async () => {
    kino = await startPlayKino();
    tenant = await kino.tenant();
    priv = await publishMedia(kino, tenant, { visibility: 'private' });
  });
  afterAll(() => kino.close());
  afterEach(() => vi.useRealTimers());

  const tokenFor = async (body: Record<string, unknown>) => {
    const res = await kino.request('POST', `/v1/media/${priv.id}/playback-tokens`, { headers: auth(), body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ token: string }>().token;
  };
  const get = (url: string, remoteAddress?: string) =>
    kino.request('GET', url, remoteAddress === undefined ? {} : { remoteAddress });
  /** The URLs a player follows from a master playlist: the video playlist and its last segment. */
  const follow = async (masterPath: string, remoteAddress?: string) => {
    const master = await get(masterPath, remoteAddress);
    expect(master.statusCode, master.body).toBe(200);
    const variant = parseHls(master.body).manifest.playlists?.[0];
    const playlistPath = new URL(variant?.uri ?? '', `http://x${masterPath}`).pathname;
    const playlist = await get(playlistPath, remoteAddress);
    expect(playlist.statusCode).toBe(200);
    const last = parseHls(playlist.body).manifest.segments.at(-1);
    return { playlistPath, lastSegment: new URL(last?.uri ?? '', `http://x${playlistPath}`).pathname };
  };

  it('a 60 s token: paused 120 s, a seek still loads; a fresh start with it is refused', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const token = await tokenFor({ expiresInSeconds: 60 });
    const masterPath = `/play/t/${token}/${priv.id}/master.m3u8`;
    const { playlistPath, lastSegment } = await follow(masterPath);
    // The child URLs name the version and carry a grant, not the token.
    expect(playlistPath).toMatch(new RegExp(`^/play/t/[^/]+/${priv.id}/${priv.version}/video-180p\\.m3u8$`));
    expect(playlistPath).not.toContain(token);

    vi.setSystemTime(Date.now() + 120_000);
    expect((await get(lastSegment)).statusCode).toBe(200);
    expect((await get(playlistPath)).statusCode).toBe(200);
    const restart = await get(masterPath);
    expect(restart.statusCode).toBe(403);
    expect(restart.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(restart.json()).toMatchObject({ code: 'invalid_playback_token', reason: 'expired' });
    // The token itself no longer opens the version either: only the session's grant does.
    const direct = `/play/t/${token}/${priv.id}/${priv.version}/video-180p.m3u8`;
    expect((await get(direct)).statusCode).toBe(403);

    // Past the session's grace (6 s media: the token's expiry plus an hour and 6 s), it ends too.
    vi.setSystemTime(Date.now() + (SESSION_SLACK_SECONDS + 10) * 1000);
    expect((await get(lastSegment)).statusCode).toBe(403);
  });

  it('a grant opens only its version of its media, never a session start, and cannot be altered', async () => {
    const token = await tokenFor({ expiresInSeconds: 60 });
    const { playlistPath } = await follow(`/play/t/${token}/${priv.id}/master.m3u8`);
    const grant = playlistPath.split('/')[3] ?? '';
    const refusal = async (url: string, reason: string) => {
      const res = await get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.json(), url).toMatchObject({ code: 'invalid_playback_token', reason });
    };
    await refusal(`/play/t/${grant}/${priv.id}/master.m3u8`, 'wrong_session');
    await refusal(`/play/t/${grant}/${priv.id}/manifest.mpd`, 'wrong_session');
    await refusal(`/play/t/${grant}/${priv.id}/poster.jpg`, 'wrong_session');
    await refusal(`/play/t/${grant}/${priv.id}/job_other-1/video-180p.m3u8`, 'wrong_session');
    const other = await publishMedia(kino, tenant, { visibility: 'private' });
    await refusal(`/play/t/${grant}/${other.id}/${priv.version}/video-180p.m3u8`, 'wrong_media');
    // Another version named in the grant's claims, signature kept: refused.
    const [body, signature] = grant.split('.');
    const claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const altered = Buffer.from(JSON.stringify({ ...claims, e: Number(claims.e) + 86_400 })).toString(
      'base64url',
    );
    await refusal(
      `/play/t/${altered}.${signature}/${priv.id}/${priv.version}/video-180p.m3u8`,
      'bad_signature',
    );
  });

  it("opens the download, poster and storyboard through a grant only until the token's expiry", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const token = await tokenFor({ expiresInSeconds: 10 });
    const { playlistPath, lastSegment } = await follow(`/play/t/${token}/${priv.id}/master.m3u8`);
    const inVersion = (file: string) => playlistPath.replace(/[^/]+$/, file);
    const others = ['download.mp4', 'poster.jpg', 'storyboard-0.jpg', 'storyboard.vtt'];
    for (const file of others) expect((await get(inVersion(file))).statusCode, file).toBe(200);

    vi.setSystemTime(Date.now() + 11_000);
    for (const file of others) {
      const res = await get(inVersion(file));
      expect(res.statusCode, file).toBe(403);
      expect(res.json(), file).toMatchObject({ code: 'invalid_playback_token', reason: 'expired' });
    }
    // What playing the session needs stays open: playlists, segments, the rendition files.
    expect((await get(playlistPath)).statusCode).toBe(200);
    expect((await get(lastSegment)).statusCode).toBe(200);
    expect((await get(inVersion('video-180p/init.mp4'))).statusCode).toBe(200);
    const ranged = await kino.request('GET', inVersion('video-180p.mp4'), {
      headers: { range: 'bytes=0-99' },
    });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.rawPayload.equals(priv.files.get('video-180p.mp4')!.subarray(0, 100))).toBe(true);
  });

  it("keeps the token's address rule in the grant", async () => {
    const token = await tokenFor({ expiresInSeconds: 60, ip: '203.0.113.7' });
    const { lastSegment } = await follow(`/play/t/${token}/${priv.id}/master.m3u8`, '203.0.113.7');
    expect((await get(lastSegment, '203.0.113.7')).statusCode).toBe(200);
    const elsewhere = await get(lastSegment, '198.51.100.1');
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json()).toMatchObject({ reason: 'wrong_ip' });
  });

  it('serves public media without grants: the child URLs stay relative to the master', async () => {
    const pub = await publishMedia(kino, tenant);
    const master = await get(`/play/${pub.id}/master.m3u8`);
    expect(parseHls(master.body).manifest.playlists?.[0]?.uri).toBe(`${pub.version}/video-180p.m3u8`);
  });
});
