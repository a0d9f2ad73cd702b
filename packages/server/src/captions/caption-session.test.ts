import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { publishMedia, startPlayKino, type PlayKino, type PublishedMedia } from '../../test/play-fixture.ts';
import type { CaptionTrackJson } from './captions.schemas.ts';

const VTT = 'WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nFirst line\n';

/** Every child URL a master playlist (URI="…" and plain lines) or an MPD (BaseURL) names. */
function childUrls(manifest: string): string[] {
  const attributes = [...manifest.matchAll(/URI="([^"]+)"/g)].map((m) => m[1] ?? '');
  const lines = manifest.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('<'));
  const bases = [...manifest.matchAll(/<BaseURL>([^<]+)<\/BaseURL>/g)].map((m) => m[1] ?? '');
  return [...attributes, ...lines, ...bases];
}

const resolve = (child: string, manifestPath: string) => new URL(child, `http://x${manifestPath}`).pathname;

/**
 * Caption tracks in a playback session started with a token: the master playlist and the MPD list
 * them under the session's grant, like the renditions, so subtitles keep loading after a short
 * token expires (a paused lecture) and the token itself is in no child URL.
 * The clock moved is Date's alone (timers stay real), which tokens and grants are checked with.
 */
describe('caption tracks in a playback session', () => {
  let kino: PlayKino;
  let tenant: { id: string; key: string };
  let media: PublishedMedia;
  let other: PublishedMedia;
  let track: CaptionTrackJson;
  let otherTrack: CaptionTrackJson;

  const api = (method: 'GET' | 'POST', url: string, body?: unknown) =>
    kino.request(method, url, { headers: { authorization: `Bearer ${tenant.key}` }, body });
  const addTrack = async (mediaId: string, language: string) => {
    const res = await api('POST', `/v1/media/${mediaId}/captions`, { content: VTT, language });
    if (res.statusCode !== 201) throw new Error(res.body);
    return res.json<CaptionTrackJson>();
  };
  const tokenFor = async (mediaId: string, expiresInSeconds: number) => {
    const res = await api('POST', `/v1/media/${mediaId}/playback-tokens`, { expiresInSeconds });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ token: string }>().token;
  };
  const get = (url: string) => kino.request('GET', url);
  /** The caption playlist, its WebVTT and the MPD's WebVTT of a session started with `token`. */
  const session = async (mediaId: string, token: string) => {
    const masterPath = `/play/t/${token}/${mediaId}/master.m3u8`;
    const mpdPath = `/play/t/${token}/${mediaId}/manifest.mpd`;
    const master = await get(masterPath);
    const mpd = await get(mpdPath);
    expect(master.statusCode, master.body).toBe(200);
    expect(mpd.statusCode, mpd.body).toBe(200);
    const captionPlaylist = childUrls(master.body)
      .map((u) => resolve(u, masterPath))
      .find((u) => u.endsWith('.m3u8') && u.includes('/captions/'));
    const mpdVtt = childUrls(mpd.body)
      .map((u) => resolve(u, mpdPath))
      .find((u) => u.endsWith('.vtt'));
    if (!captionPlaylist || !mpdVtt) throw new Error(`no caption track listed:\n${master.body}\n${mpd.body}`);
    const playlist = await get(captionPlaylist);
    expect(playlist.statusCode, playlist.body).toBe(200);
    const vttLine = playlist.body.split('\n').find((l) => l.endsWith('.vtt')) ?? '';
    return { master, mpd, captionPlaylist, vtt: resolve(vttLine, captionPlaylist), mpdVtt };
  };

  beforeAll(async () => {
    kino = await startPlayKino();
    tenant = await kino.tenant();
    media = await publishMedia(kino, tenant, { visibility: 'private' });
    other = await publishMedia(kino, tenant, { visibility: 'private', version: 'job_other-1' });
    track = await addTrack(media.id, 'en');
    otherTrack = await addTrack(other.id, 'fr');
  });
  afterAll(() => kino.close());
  afterEach(() => vi.useRealTimers());

  it('lists caption URLs under the session grant in the master and the MPD, never the token', async () => {
    const token = await tokenFor(media.id, 600);
    const { master, mpd, captionPlaylist, vtt, mpdVtt } = await session(media.id, token);
    for (const manifest of [master.body, mpd.body]) {
      const children = childUrls(manifest);
      expect(children.length).toBeGreaterThan(0);
      for (const child of children) expect(child).not.toContain(token);
    }
    const grant = captionPlaylist.split('/')[3] ?? '';
    expect(grant).not.toBe(token);
    expect(captionPlaylist).toBe(`/play/t/${grant}/${media.id}/${media.version}/captions/${track.id}.m3u8`);
    expect(vtt).toBe(`/play/t/${grant}/${media.id}/${media.version}/captions/${track.id}/1.vtt`);
    expect(mpdVtt).toBe(vtt);
    const file = await get(vtt);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(file.headers['cache-control']).toMatch(/^private/);
    expect(file.body).toContain('First line');
  });

  it('keeps loading captions past the token’s expiry within the session; the token no longer does', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const token = await tokenFor(media.id, 60);
    const { captionPlaylist, vtt, mpdVtt } = await session(media.id, token);
    vi.setSystemTime(Date.now() + 120_000);
    for (const url of [captionPlaylist, vtt, mpdVtt]) expect((await get(url)).statusCode, url).toBe(200);
    // The raw token's own caption URLs (the media's stable path) have expired with it.
    const direct = await get(`/play/t/${token}/${media.id}/captions/${track.id}/1.vtt`);
    expect(direct.statusCode).toBe(403);
    expect(direct.json()).toMatchObject({ code: 'invalid_playback_token', reason: 'expired' });
  });

  it("a grant opens its own media's captions in its own version only", async () => {
    const token = await tokenFor(media.id, 600);
    const { captionPlaylist } = await session(media.id, token);
    const grant = captionPlaylist.split('/')[3] ?? '';
    const refused = async (url: string, reason: string) => {
      const res = await get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.json(), url).toMatchObject({ code: 'invalid_playback_token', reason });
    };
    await refused(
      `/play/t/${grant}/${other.id}/${other.version}/captions/${otherTrack.id}.m3u8`,
      'wrong_media',
    );
    await refused(
      `/play/t/${grant}/${other.id}/${media.version}/captions/${otherTrack.id}/1.vtt`,
      'wrong_media',
    );
    // Not by the stable path either (a grant never starts a session), nor in another version.
    await refused(`/play/t/${grant}/${media.id}/captions/${track.id}.m3u8`, 'wrong_session');
    await refused(`/play/t/${grant}/${media.id}/job_other-1/captions/${track.id}.m3u8`, 'wrong_session');
    // Another media's track is not found under this media.
    const foreign = await get(`/play/t/${grant}/${media.id}/${media.version}/captions/${otherTrack.id}.m3u8`);
    expect(foreign.statusCode).toBe(404);
    // And B's own session opens B's captions.
    const b = await session(other.id, await tokenFor(other.id, 600));
    expect((await get(b.vtt)).statusCode).toBe(200);
  });

  it('serves caption files inside a version by the same names as the stable ones', async () => {
    const token = await tokenFor(media.id, 600);
    for (const name of [`${track.id}.m3u8`, `${track.id}/1.vtt`]) {
      const stable = await get(`/play/t/${token}/${media.id}/captions/${name}`);
      const versioned = await get(`/play/t/${token}/${media.id}/${media.version}/captions/${name}`);
      expect(versioned.statusCode, name).toBe(200);
      expect(versioned.body).toBe(stable.body);
    }
    for (const name of ['', track.id, `${track.id}/2.vtt`, '../index.json']) {
      const res = await get(`/play/t/${token}/${media.id}/${media.version}/captions/${name}`);
      expect(res.statusCode, name).toBe(404);
    }
    // An unknown version has nothing to time captions by.
    expect((await get(`/play/t/${token}/${media.id}/job_gone-1/captions/${track.id}.m3u8`)).statusCode).toBe(
      404,
    );
  });
});
