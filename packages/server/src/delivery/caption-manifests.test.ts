import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { parseDash, parseHls } from '../../test/stream-parsers.ts';
import type { CaptionTrackRow } from '../db/schema.ts';
import { dashManifest, masterPlaylist, subtitlePlaylist, type SubtitleRendition } from './manifests.ts';
import type { PlaybackIndex, PublishedRendition } from '../media/playback-index.ts';
import { subtitleRendition, withTimestampMap } from './caption-playback.ts';

const rendition = (kind: 'video' | 'audio'): PublishedRendition => ({
  id: kind === 'video' ? 'v1/video-360p' : 'v1/audio',
  kind,
  file: kind === 'video' ? 'v1/video-360p.mp4' : 'v1/audio.mp4',
  codec: kind === 'video' ? 'avc1.64001e' : 'mp4a.40.2',
  width: kind === 'video' ? 640 : null,
  height: kind === 'video' ? 360 : null,
  frameRate: kind === 'video' ? 30 : null,
  index: { initLength: 800, segments: [{ duration: 2, offset: 800, length: 50_000 }] },
  timeOffsetSeconds: 10,
});
const VIDEO = rendition('video');
const AUDIO = rendition('audio');

const row = (id: string, extra: Partial<CaptionTrackRow>): CaptionTrackRow => ({
  id,
  tenant_id: 'ten_1',
  media_id: 'med_1',
  language: 'de',
  label: 'Deutsch',
  kind: 'subtitles',
  is_default: 0,
  source: 'upload',
  source_stream: null,
  revision: 3,
  storage_key: 'k',
  cue_count: 1,
  created_at: 1,
  updated_at: 1,
  status: 'published',
  engine: null,
  model: null,
  ...extra,
});

const SUBS: SubtitleRendition[] = [
  subtitleRendition(row('cap_de', { is_default: 1, kind: 'captions' })),
  subtitleRendition(row('cap_de2', { label: 'Deutsch', revision: 1 })),
  subtitleRendition(row('cap_en', { language: 'en-US', label: 'English "US"', is_default: 1 })),
];

interface SubtitleGroup {
  SUBTITLES: Record<
    string,
    Record<string, { default: boolean; autoselect: boolean; language: string; uri: string }>
  >;
}

describe('captions in the HLS master playlist', () => {
  const text = masterPlaylist([VIDEO, AUDIO], SUBS);
  const { manifest, warnings } = parseHls(text);

  it('lists each track in one subtitle group, with unique names and one default', () => {
    expect(warnings).toEqual([]);
    const group = (manifest.mediaGroups as unknown as SubtitleGroup).SUBTITLES.subs ?? {};
    expect(group).toEqual({
      Deutsch: expect.objectContaining({
        default: true,
        autoselect: true,
        language: 'de',
        uri: 'captions/cap_de.m3u8',
      }),
      'Deutsch (2)': expect.objectContaining({
        default: false,
        language: 'de',
        uri: 'captions/cap_de2.m3u8',
      }),
      "English 'US'": expect.objectContaining({
        default: false,
        language: 'en-US',
        uri: 'captions/cap_en.m3u8',
      }),
    });
    expect(text).toContain(
      'CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound",URI="captions/cap_de.m3u8"',
    );
  });

  it('points every variant at the subtitle group, and only when there are tracks', () => {
    expect(text).toMatch(/#EXT-X-STREAM-INF:.*AUDIO="audio",SUBTITLES="subs"\nv1\/video-360p\.m3u8/);
    expect(masterPlaylist([AUDIO], SUBS)).toMatch(
      /#EXT-X-STREAM-INF:BANDWIDTH=\d+,CODECS="mp4a.40.2",SUBTITLES="subs"/,
    );
    const plain = masterPlaylist([VIDEO, AUDIO]);
    expect(plain).not.toContain('SUBTITLES');
    expect(masterPlaylist([VIDEO, AUDIO], [])).toBe(plain);
  });
});

describe('a caption track media playlist', () => {
  it('is a VOD playlist with the whole file as one segment, within its target duration', () => {
    const { manifest, warnings } = parseHls(subtitlePlaylist('cap_de/3.vtt', 95.4));
    expect(warnings).toEqual([]);
    expect(manifest).toMatchObject({
      targetDuration: 96,
      playlistType: 'VOD',
      endList: true,
      mediaSequence: 0,
    });
    expect(manifest.segments.map((s) => [s.uri, s.duration])).toEqual([['cap_de/3.vtt', 95.4]]);
  });

  it('maps cue time 0 to the media time where the presentation starts', () => {
    const index: PlaybackIndex = {
      durationSeconds: 2,
      renditions: [AUDIO, VIDEO],
      poster: null,
      storyboard: null,
      download: null,
    };
    const vtt = 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n';
    expect(withTimestampMap(vtt, index)).toBe(
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n00:00:01.000 --> 00:00:02.000\nhi\n',
    );
    const legacy = { ...index, renditions: [{ ...VIDEO, timeOffsetSeconds: undefined }] };
    expect(withTimestampMap(vtt, legacy)).toContain('X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000');
  });
});

describe('captions in the DASH manifest', () => {
  const text = dashManifest([VIDEO, AUDIO], 2, SUBS);

  it('declares a text AdaptationSet per track, with its language, role and WebVTT file', () => {
    const doc = new DOMParser().parseFromString(text, 'text/xml');
    const sets = Array.from(doc.getElementsByTagName('AdaptationSet')).filter(
      (s) => s.getAttribute('contentType') === 'text',
    );
    expect(
      sets.map((s) => ({
        mimeType: s.getAttribute('mimeType'),
        lang: s.getAttribute('lang'),
        role: s.getElementsByTagName('Role')[0]?.getAttribute('value'),
        label: s.getElementsByTagName('Label')[0]?.textContent,
        baseUrl: s.getElementsByTagName('BaseURL')[0]?.textContent,
      })),
    ).toEqual([
      {
        mimeType: 'text/vtt',
        lang: 'de',
        role: 'caption',
        label: 'Deutsch',
        baseUrl: 'captions/cap_de/3.vtt',
      },
      {
        mimeType: 'text/vtt',
        lang: 'de',
        role: 'subtitle',
        label: 'Deutsch',
        baseUrl: 'captions/cap_de2/1.vtt',
      },
      {
        mimeType: 'text/vtt',
        lang: 'en-US',
        role: 'subtitle',
        label: 'English "US"',
        baseUrl: 'captions/cap_en/3.vtt',
      },
    ]);
  });

  it('is read by a DASH player parser, the files resolved under the media', () => {
    const { manifest, warnings } = parseDash(text, 'http://kino.test/play/t/TOKEN/med_1/manifest.mpd');
    expect(warnings).toEqual([]);
    const subs =
      (
        manifest.mediaGroups as unknown as {
          SUBTITLES: Record<
            string,
            Record<
              string,
              { language: string; playlists: { resolvedUri?: string; segments: { resolvedUri: string }[] }[] }
            >
          >;
        }
      ).SUBTITLES.subs ?? {};
    const uris = Object.values(subs).flatMap((t) =>
      t.playlists.flatMap((p) => p.segments.map((s) => s.resolvedUri)),
    );
    expect(uris).toEqual([
      'http://kino.test/play/t/TOKEN/med_1/captions/cap_de/3.vtt',
      'http://kino.test/play/t/TOKEN/med_1/captions/cap_de2/1.vtt',
      'http://kino.test/play/t/TOKEN/med_1/captions/cap_en/3.vtt',
    ]);
    expect(dashManifest([VIDEO, AUDIO], 2)).not.toContain('text/vtt');
  });
});
