import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishMedia, startPlayKino, type PlayKino, type PublishedMedia } from '../../test/play-fixture.ts';
import { parseHls } from '../../test/stream-parsers.ts';
import type { CaptionTrackJson } from './captions.schemas.ts';

const VTT = 'WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nErste Zeile\n';

describe('caption tracks under /play', () => {
  let kino: PlayKino;
  let tenant: { id: string; key: string };
  let media: PublishedMedia;
  let other: PublishedMedia;
  let track: CaptionTrackJson;
  /** /play/t/{token}/{media} of `media`. */
  let tokenBase = '';

  const api = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    kino.request(method, url, { headers: { authorization: `Bearer ${tenant.key}` }, body });
  const addTrack = async (mediaId: string, body: Record<string, unknown>) => {
    const res = await api('POST', `/v1/media/${mediaId}/captions`, body);
    if (res.statusCode !== 201) throw new Error(res.body);
    return res.json<CaptionTrackJson>();
  };
  const get = (url: string) => kino.request('GET', url);

  beforeAll(async () => {
    kino = await startPlayKino();
    tenant = await kino.tenant();
    media = await publishMedia(kino, tenant, { visibility: 'private' });
    other = await publishMedia(kino, tenant, { visibility: 'private' });
    track = await addTrack(media.id, { content: VTT, language: 'de', default: true });
    const token = await api('POST', `/v1/media/${media.id}/playback-tokens`, { expiresInSeconds: 600 });
    tokenBase = new URL(token.json<{ playback: { hls: string } }>().playback.hls).pathname.replace(
      /\/master\.m3u8$/,
      '',
    );
  });
  afterAll(() => kino.close());

  it('answers 401 without a token and 200 with one, for the playlist and the file of a private media', async () => {
    for (const name of [`captions/${track.id}.m3u8`, `captions/${track.id}/1.vtt`]) {
      const bare = await get(`/play/${media.id}/${name}`);
      expect(bare.statusCode, name).toBe(401);
      expect(bare.json()).toMatchObject({ code: 'playback_token_required' });
      const tokened = await get(`${tokenBase}/${name}`);
      expect(tokened.statusCode, name).toBe(200);
      expect(tokened.headers['cache-control']).toMatch(/^private/);
    }
    // A token opens its own media only.
    const otherTrack = await addTrack(other.id, { content: VTT, language: 'en' });
    const foreign = tokenBase.replace(media.id, other.id);
    expect((await get(`${foreign}/captions/${otherTrack.id}.m3u8`)).statusCode).toBe(403);
    // A track of another media is not found under this one.
    expect((await get(`${tokenBase}/captions/${otherTrack.id}.m3u8`)).statusCode).toBe(404);
  });

  it('lists the track in the master playlist and the MPD, and serves its playlist and WebVTT', async () => {
    // Under a token the URLs go through the session's grant and version (caption-session.test.ts).
    const session = `../../[^/"<]+/${media.id}/${media.version}/`;
    const master = await get(`${tokenBase}/master.m3u8`);
    expect(master.body).toMatch(
      new RegExp(
        `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Deutsch",LANGUAGE="de",DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="${session}captions/${track.id}\\.m3u8"`,
      ),
    );
    const mpd = await get(`${tokenBase}/manifest.mpd`);
    expect(mpd.body).toMatch(new RegExp(`<BaseURL>${session}captions/${track.id}/1\\.vtt</BaseURL>`));

    const playlist = await get(`${tokenBase}/captions/${track.id}.m3u8`);
    expect(playlist.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    const { manifest } = parseHls(playlist.body);
    expect(manifest.targetDuration).toBe(media.index.durationSeconds);
    expect(manifest.segments.map((s) => s.uri)).toEqual([`${track.id}/1.vtt`]);

    const file = await get(`${tokenBase}/captions/${track.id}/1.vtt`);
    expect(file.headers['content-type']).toBe('text/vtt; charset=utf-8');
    // The synthetic version has no media time offset.
    expect(file.body).toBe(
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n00:00:01.000 --> 00:00:02.500\nErste Zeile\n',
    );
    const again = await kino.request('GET', `${tokenBase}/captions/${track.id}/1.vtt`, {
      headers: { 'if-none-match': String(file.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it('changes the master playlist when a track is added, and the file URL when one is replaced', async () => {
    const before = (await get(`${tokenBase}/master.m3u8`)).body;
    const english = await addTrack(media.id, { content: VTT, language: 'en' });
    const after = (await get(`${tokenBase}/master.m3u8`)).body;
    expect(before).not.toContain(english.id);
    expect(after).toContain(`/captions/${english.id}.m3u8"`);

    const replaced = await api('PUT', `/v1/media/${media.id}/captions/${english.id}`, {
      content: 'WEBVTT\n\n00:00:03.000 --> 00:00:04.000\nNew\n',
    });
    expect(replaced.statusCode).toBe(200);
    expect((await get(`${tokenBase}/captions/${english.id}/1.vtt`)).statusCode).toBe(404);
    expect((await get(`${tokenBase}/captions/${english.id}/2.vtt`)).body).toContain('New');
    expect((await get(`${tokenBase}/captions/${english.id}.m3u8`)).body).toContain(`${english.id}/2.vtt`);
    expect((await get(`${tokenBase}/manifest.mpd`)).body).toContain(`captions/${english.id}/2.vtt`);
  });

  it('refuses names that are no caption file', async () => {
    for (const name of [
      'captions/',
      `captions/${track.id}`,
      `captions/${track.id}/x.vtt`,
      'captions/../index.json',
    ]) {
      expect((await get(`${tokenBase}/${name}`)).statusCode, name).toBe(404);
    }
  });

  it('serves a public media without a token', async () => {
    const open = await publishMedia(kino, tenant, { visibility: 'public' });
    const publicTrack = await addTrack(open.id, { content: VTT, language: 'fr' });
    const playlist = await get(`/play/${open.id}/captions/${publicTrack.id}.m3u8`);
    expect(playlist.statusCode).toBe(200);
    expect(playlist.headers['cache-control']).toMatch(/^public/);
  });
});
