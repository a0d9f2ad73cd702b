import { describe, expect, it } from 'vitest';
import { parseDash, parseHls } from '../../test/stream-parsers.ts';
import {
  dashInitPath,
  dashManifest,
  dashSegmentPath,
  masterPlaylist,
  mediaPlaylist,
  playlistName,
  storyboardVtt,
} from './manifests.ts';
import type { PublishedRendition, RenditionIndex } from '../media/playback-index.ts';
import { avcCodecString, mp4aCodecString, parseFfmpegPlaylist } from '../processing/rendition-index.ts';
import { bandwidth, totalDuration } from './bandwidth.ts';

/** What ffmpeg 5.1's HLS muxer writes in single-file fMP4 mode (-hls_flags single_file). */
const FFMPEG_PLAYLIST = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="video-720p.mp4",BYTERANGE="847@0"
#EXTINF:2.000000,
#EXT-X-BYTERANGE:643533@847
video-720p.mp4
#EXTINF:2.000000,
#EXT-X-BYTERANGE:678979@644380
video-720p.mp4
#EXTINF:1.033333,
#EXT-X-BYTERANGE:301200@1323359
video-720p.mp4
#EXT-X-ENDLIST
`;

/** A contiguous single-file index: init, then segments of the given durations and sizes. */
function indexOf(initLength: number, segments: [duration: number, length: number][]): RenditionIndex {
  let offset = initLength;
  return {
    initLength,
    segments: segments.map(([duration, length]) => {
      const s = { duration, offset, length };
      offset += length;
      return s;
    }),
  };
}

const DURATIONS = [2, 2, 2, 2, 2, 1.5];
const video = (name: string, width: number, height: number, bytesPerSegment: number): PublishedRendition => ({
  id: `video-${name}`,
  kind: 'video',
  file: `video-${name}.mp4`,
  codec: name === '1080p' ? 'avc1.640028' : 'avc1.64001f',
  width,
  height,
  frameRate: 29.97,
  index: indexOf(
    900 + width,
    DURATIONS.map((d) => [d, Math.round(bytesPerSegment * d)]),
  ),
});
const AUDIO: PublishedRendition = {
  id: 'audio',
  kind: 'audio',
  file: 'audio.mp4',
  codec: 'mp4a.40.2',
  width: null,
  height: null,
  frameRate: null,
  index: indexOf(
    700,
    DURATIONS.map((d) => [d, Math.round(16_000 * d)]),
  ),
};
const LADDER = [
  video('1080p', 1920, 1080, 600_000),
  video('720p', 1280, 720, 300_000),
  video('360p', 640, 360, 80_000),
];
const DURATION = 11.5;

describe('parseFfmpegPlaylist', () => {
  it("reads the init range and each segment's duration and byte range", () => {
    const index = parseFfmpegPlaylist(FFMPEG_PLAYLIST);
    expect(index).toEqual({
      initLength: 847,
      segments: [
        { duration: 2, offset: 847, length: 643533 },
        { duration: 2, offset: 644380, length: 678979 },
        { duration: 1.033333, offset: 1323359, length: 301200 },
      ],
    });
    expect(totalDuration(index)).toBeCloseTo(5.033333, 6);
    // The file is covered end to end, with no gap or overlap.
    let next = index.initLength;
    for (const s of index.segments) {
      expect(s.offset).toBe(next);
      next = s.offset + s.length;
    }
  });

  it('refuses playlists that are not single-file fMP4', () => {
    expect(() => parseFfmpegPlaylist('#EXTM3U\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n')).toThrow(/init/);
    expect(() =>
      parseFfmpegPlaylist('#EXTM3U\n#EXT-X-MAP:URI="a.mp4",BYTERANGE="800@0"\n#EXT-X-ENDLIST\n'),
    ).toThrow(/no segments/);
    expect(() =>
      parseFfmpegPlaylist('#EXT-X-MAP:URI="a.mp4",BYTERANGE="800@12"\n#EXTINF:2,\n#EXT-X-BYTERANGE:5@800\n'),
    ).toThrow(/offset 0/);
  });
});

describe('bandwidth and codec strings', () => {
  it('reports the peak and average bits per second over the segments', () => {
    const index = indexOf(100, [
      [2, 250_000],
      [2, 500_000],
      [1, 100_000],
    ]);
    expect(bandwidth(index)).toEqual({ peak: 2_000_000, average: 1_360_000 });
  });

  it("reads the avc1 codec string from the init segment's avcC box", () => {
    const init = Buffer.concat([
      Buffer.from('\0\0\0\x18ftypisom'),
      Buffer.from([0, 0, 0, 0x20]),
      Buffer.from('avcC'),
      Buffer.from([1, 0x64, 0x00, 0x1f, 0xff, 0xe1]),
    ]);
    expect(avcCodecString(init)).toBe('avc1.64001f');
    const baseline = Buffer.concat([Buffer.from('avcC'), Buffer.from([1, 0x42, 0xc0, 0x1e])]);
    expect(avcCodecString(baseline)).toBe('avc1.42c01e');
    expect(avcCodecString(Buffer.from('no such box here'))).toBe('avc1.640028');
  });
});

describe('HLS media playlist', () => {
  const r = LADDER[1]!;
  const { manifest, warnings } = parseHls(mediaPlaylist(r));

  it('is a complete VOD playlist without parser warnings', () => {
    expect(warnings).toEqual([]);
    expect(manifest).toMatchObject({
      version: 7,
      playlistType: 'VOD',
      endList: true,
      mediaSequence: 0,
      independentSegments: true,
      targetDuration: 2,
    });
  });

  it('lists every segment as a byte range of the one file, after an init range at 0', () => {
    expect(manifest.segments).toHaveLength(r.index.segments.length);
    manifest.segments.forEach((s, i) => {
      const expected = r.index.segments[i]!;
      expect(s.uri).toBe('video-720p.mp4');
      expect(s.duration).toBeCloseTo(expected.duration, 6);
      expect(s.byterange).toEqual({ offset: expected.offset, length: expected.length });
      expect(s.map).toEqual({ uri: 'video-720p.mp4', byterange: { offset: 0, length: r.index.initLength } });
    });
    const total = manifest.segments.reduce((sum, s) => sum + s.duration, 0);
    expect(total).toBeCloseTo(DURATION, 6);
  });

  it('rounds the target duration up to cover the longest segment', () => {
    const odd = {
      ...r,
      index: indexOf(10, [
        [2.002, 100],
        [3.4, 100],
        [1, 100],
      ]),
    };
    const parsed = parseHls(mediaPlaylist(odd)).manifest;
    expect(parsed.targetDuration).toBe(4);
    for (const s of parsed.segments)
      expect(Math.round(s.duration)).toBeLessThanOrEqual(parsed.targetDuration!);
    // ffmpeg's 2.000001-style rounding noise does not raise it.
    const noisy = {
      ...r,
      index: indexOf(10, [
        [2.0004, 100],
        [2, 100],
      ]),
    };
    expect(parseHls(mediaPlaylist(noisy)).manifest.targetDuration).toBe(2);
  });
});

describe('HLS master playlist', () => {
  const { manifest, warnings } = parseHls(masterPlaylist([...LADDER, AUDIO]));
  const variants = manifest.playlists ?? [];

  it('lists each video rendition, best first, with its resolution, codecs and frame rate', () => {
    expect(warnings).toEqual([]);
    expect(manifest.version).toBe(7);
    expect(variants.map((v) => v.uri)).toEqual(['video-1080p.m3u8', 'video-720p.m3u8', 'video-360p.m3u8']);
    expect(variants.map((v) => v.attributes.RESOLUTION)).toEqual([
      { width: 1920, height: 1080 },
      { width: 1280, height: 720 },
      { width: 640, height: 360 },
    ]);
    expect(variants.map((v) => v.attributes.CODECS)).toEqual([
      'avc1.640028,mp4a.40.2',
      'avc1.64001f,mp4a.40.2',
      'avc1.64001f,mp4a.40.2',
    ]);
    for (const v of variants) {
      expect(v.attributes['FRAME-RATE']).toBeCloseTo(29.97, 3);
      expect(v.attributes.AUDIO).toBe('audio');
    }
  });

  it('declares peak and average bandwidth including the audio, decreasing down the ladder', () => {
    const audio = bandwidth(AUDIO.index);
    variants.forEach((v, i) => {
      const own = bandwidth(LADDER[i]!.index);
      expect(v.attributes.BANDWIDTH).toBe(own.peak + audio.peak);
      expect(Number(v.attributes['AVERAGE-BANDWIDTH'])).toBe(own.average + audio.average);
      expect(Number(v.attributes['AVERAGE-BANDWIDTH'])).toBeLessThanOrEqual(v.attributes.BANDWIDTH!);
    });
    const peaks = variants.map((v) => v.attributes.BANDWIDTH!);
    expect([...peaks].sort((a, b) => b - a)).toEqual(peaks);
    // 300 kB per second of video is 2.4 Mbit/s.
    expect(variants[1]!.attributes.BANDWIDTH).toBe(2_400_000 + 128_000);
  });

  it('shares one default audio rendition among the variants', () => {
    expect(manifest.mediaGroups?.AUDIO).toEqual({
      audio: { Audio: { default: true, autoselect: true, uri: 'audio.m3u8' } },
    });
  });

  it('plays audio alone as a single variant', () => {
    const parsed = parseHls(masterPlaylist([AUDIO]));
    expect(parsed.warnings).toEqual([]);
    expect(parsed.manifest.playlists).toEqual([
      expect.objectContaining({
        uri: 'audio.m3u8',
        attributes: {
          BANDWIDTH: bandwidth(AUDIO.index).peak,
          'AVERAGE-BANDWIDTH': String(bandwidth(AUDIO.index).average),
          CODECS: 'mp4a.40.2',
        },
      }),
    ]);
    expect(parsed.manifest.mediaGroups?.AUDIO).toEqual({});
  });

  it('lists video without an audio group when the source is silent', () => {
    const parsed = parseHls(masterPlaylist(LADDER)).manifest;
    expect(parsed.playlists?.map((p) => p.attributes.CODECS)).toEqual([
      'avc1.640028',
      'avc1.64001f',
      'avc1.64001f',
    ]);
    expect(parsed.playlists?.every((p) => p.attributes.AUDIO === undefined)).toBe(true);
  });

  it('names rendition playlists after their ids, so version-prefixed ids nest', () => {
    expect(playlistName({ ...AUDIO, id: 'job_1-1/audio' })).toBe('job_1-1/audio.m3u8');
  });
});

describe('DASH manifest', () => {
  const base = 'http://kino.test/play/med_1/manifest.mpd';
  const { manifest, warnings } = parseDash(dashManifest([...LADDER, AUDIO], DURATION), base);

  it('is a static presentation of the full duration', () => {
    expect(warnings).toEqual([]);
    expect(manifest.duration).toBeCloseTo(DURATION, 3);
    expect(manifest.endList).toBe(true);
  });

  it('has one representation per video rendition with size, codec and bandwidth', () => {
    expect(manifest.playlists.map((p) => p.attributes.NAME)).toEqual(LADDER.map((r) => r.id));
    manifest.playlists.forEach((p, i) => {
      const r = LADDER[i]!;
      expect(p.attributes).toMatchObject({
        RESOLUTION: { width: r.width, height: r.height },
        CODECS: r.codec,
        BANDWIDTH: bandwidth(r.index).peak,
      });
      expect(p.attributes['FRAME-RATE']).toBeCloseTo(29.97, 3);
    });
  });

  it('numbers segments from 0 in the template, with the durations of the byte ranges', () => {
    for (const [i, p] of manifest.playlists.entries()) {
      const r = LADDER[i]!;
      expect(p.segments).toHaveLength(DURATIONS.length);
      p.segments.forEach((s, n) => {
        expect(s.number).toBe(n);
        expect(s.uri).toBe(dashSegmentPath(r, n));
        expect(s.resolvedUri).toBe(`http://kino.test/play/med_1/${r.id}/${n}.m4s`);
        expect(s.duration).toBeCloseTo(DURATIONS[n]!, 3);
        expect(s.presentationTime).toBeCloseTo(
          DURATIONS.slice(0, n).reduce((a, b) => a + b, 0),
          3,
        );
        expect(s.map.uri).toBe(dashInitPath(r));
      });
    }
  });

  it('puts the audio in its own adaptation set with the same segment numbering', () => {
    const groups = Object.values(manifest.mediaGroups.AUDIO).flatMap((g) => Object.values(g));
    expect(groups).toHaveLength(1);
    const audio = groups[0]!;
    expect(audio.default).toBe(true);
    expect(audio.playlists).toHaveLength(1);
    const p = audio.playlists[0]!;
    expect(p.attributes).toMatchObject({ NAME: 'audio', CODECS: 'mp4a.40.2' });
    expect(p.segments.map((s) => s.uri)).toEqual(DURATIONS.map((_, n) => `audio/${n}.m4s`));
    expect(p.segments[0]!.map.resolvedUri).toBe('http://kino.test/play/med_1/audio/init.mp4');
  });

  it('escapes ids and codecs into well-formed XML', () => {
    const odd = { ...AUDIO, id: 'a"b<c&d', codec: 'mp4a.40.2' };
    const text = dashManifest([odd], 2);
    expect(text).toContain('id="a&quot;b&lt;c&amp;d"');
    const parsed = parseDash(text, base).manifest;
    const groups = Object.values(parsed.mediaGroups.AUDIO).flatMap((g) => Object.values(g));
    expect(groups[0]!.playlists[0]!.attributes.NAME).toBe('a"b<c&d');
  });

  it("maps the renditions' media time offset to the period start with presentationTimeOffset", () => {
    const shifted = [...LADDER, AUDIO].map((r) => ({ ...r, timeOffsetSeconds: 10 }));
    const text = dashManifest(shifted, DURATION);
    expect(text.match(/presentationTimeOffset="10000"/g)).toHaveLength(shifted.length);
    expect(text).toContain('<SegmentTimeline><S t="10000" d="2000"/><S t="12000" d="2000"/>');
    const parsed = parseDash(text, base);
    expect(parsed.warnings).toEqual([]);
    // Players see the presentation from 0, as without an offset.
    const segments = parsed.manifest.playlists[0]!.segments;
    expect(segments.map((seg) => seg.presentationTime)).toEqual(
      manifest.playlists[0]!.segments.map((seg) => seg.presentationTime),
    );
    // Versions written before the offset existed keep their plain timeline.
    expect(dashManifest([...LADDER, AUDIO], DURATION)).not.toContain('presentationTimeOffset');
  });

  it('keeps the timeline on the media clock over hours of AAC-sized segments', () => {
    // 48 kHz AAC frames (1024 samples) cut near 2 s give segments of 1.984000 s and 2.005333 s.
    const pattern: [number, number][] = [
      [1.984, 10],
      [2.005333, 10],
    ];
    const segments = Array.from({ length: 3600 }, (_, i) => pattern[i % 2]!);
    const long = { ...AUDIO, index: indexOf(10, segments) };
    const exact = segments.reduce((sum, [d]) => sum + d, 0);
    const parsed = parseDash(dashManifest([LADDER[0]!, long], exact), base).manifest;
    const groups = Object.values(parsed.mediaGroups.AUDIO).flatMap((g) => Object.values(g));
    const timeline = groups[0]!.playlists[0]!.segments;
    expect(timeline).toHaveLength(3600);
    for (const n of [1, 99, 1800, 3599]) {
      const expectedStart = segments.slice(0, n).reduce((sum, [d]) => sum + d, 0);
      expect(Math.abs(timeline[n]!.presentationTime - expectedStart), `segment ${n}`).toBeLessThan(0.002);
    }
    const last = timeline.at(-1)!;
    expect(Math.abs(last.presentationTime + last.duration - exact)).toBeLessThan(0.002);
  });
});

describe('storyboard WebVTT', () => {
  const sheet = { file: (n: number) => `storyboard-${n}.jpg`, perSheet: 4 };
  const tile = { width: 160, height: 90, columns: 2 };

  function cues(text: string) {
    expect(text.startsWith('WEBVTT\n\n')).toBe(true);
    return text
      .trim()
      .split('\n\n')
      .slice(1)
      .map((block) => {
        const [timing, target] = block.split('\n');
        const m = /^(\S+) --> (\S+)$/.exec(timing ?? '');
        return { start: m?.[1], end: m?.[2], target };
      });
  }

  it('points each interval at its tile, moving to the next sheet when one is full', () => {
    const parsed = cues(storyboardVtt(sheet, tile, 5, 6, 28));
    expect(parsed).toEqual([
      { start: '00:00:00.000', end: '00:00:05.000', target: 'storyboard-0.jpg#xywh=0,0,160,90' },
      { start: '00:00:05.000', end: '00:00:10.000', target: 'storyboard-0.jpg#xywh=160,0,160,90' },
      { start: '00:00:10.000', end: '00:00:15.000', target: 'storyboard-0.jpg#xywh=0,90,160,90' },
      { start: '00:00:15.000', end: '00:00:20.000', target: 'storyboard-0.jpg#xywh=160,90,160,90' },
      { start: '00:00:20.000', end: '00:00:25.000', target: 'storyboard-1.jpg#xywh=0,0,160,90' },
      { start: '00:00:25.000', end: '00:00:28.000', target: 'storyboard-1.jpg#xywh=160,0,160,90' },
    ]);
  });

  it('writes hours and milliseconds, and never a cue past the end', () => {
    const parsed = cues(storyboardVtt(sheet, tile, 36, 101, 3601.25));
    expect(parsed).toHaveLength(101);
    expect(parsed.at(-1)).toMatchObject({ start: '01:00:00.000', end: '01:00:01.250' });
    expect(cues(storyboardVtt(sheet, tile, 10, 5, 21))).toHaveLength(3);
  });
});

describe('several audio tracks', () => {
  const track = (id: string, language: string | null, name: string, isDefault: boolean, kbps: number) => ({
    ...AUDIO,
    id,
    file: `${id}.mp4`,
    language,
    name,
    isDefault,
    index: indexOf(
      700,
      DURATIONS.map((d) => [d, Math.round(kbps * 125 * d)]),
    ),
  });
  const english = track('audio-1', 'en', 'English', false, 192);
  const french = track('audio', 'fr', 'Français', true, 128);
  const commentary = track('audio-3', null, 'Commentary', false, 64);
  const renditions = [...LADDER, english, french, commentary];

  it('lists every track in the audio group with its language and name, the default first', () => {
    const text = masterPlaylist(renditions);
    const { manifest, warnings } = parseHls(text);
    expect(warnings).toEqual([]);
    expect(manifest.mediaGroups?.AUDIO).toEqual({
      audio: {
        Français: { default: true, autoselect: true, language: 'fr', uri: 'audio.m3u8' },
        English: { default: false, autoselect: true, language: 'en', uri: 'audio-1.m3u8' },
        Commentary: { default: false, autoselect: true, uri: 'audio-3.m3u8' },
      },
    });
    expect(text.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=AUDIO'))[0]).toContain(
      'NAME="Français",LANGUAGE="fr",DEFAULT=YES',
    );
    // Whichever track a player picks, the variant's BANDWIDTH covers it: the most demanding one.
    const top = manifest.playlists![0]!;
    expect(top.attributes.BANDWIDTH).toBe(bandwidth(LADDER[0]!.index).peak + bandwidth(english.index).peak);
    expect(top.attributes.CODECS).toBe('avc1.640028,mp4a.40.2');
  });

  it('keeps names unique in the group and a version without track facts as it was', () => {
    const twins = masterPlaylist([...LADDER, french, { ...english, name: 'Français' }]);
    expect(twins).toContain('NAME="Français (2)"');
    expect(masterPlaylist([...LADDER, AUDIO])).toContain(
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio.m3u8"',
    );
  });

  it('gives each track its own DASH adaptation set, with its language and role', () => {
    const text = dashManifest(renditions, DURATION);
    const base = 'http://kino.test/play/med_1/manifest.mpd';
    const { manifest, warnings } = parseDash(text, base);
    expect(warnings).toEqual([]);
    const groups = Object.values(manifest.mediaGroups.AUDIO).flatMap((g) => Object.entries(g));
    expect(groups.map(([, g]) => g.language)).toEqual(['fr', 'en', 'und']);
    expect(groups.map(([, g]) => g.default)).toEqual([true, false, false]);
    const sets = [...text.matchAll(/<AdaptationSet id="(\d+)" contentType="audio"[^>]*lang="([^"]+)"/g)];
    expect(sets.map((m) => [m[1], m[2]])).toEqual([
      ['1', 'fr'],
      ['2', 'en'],
      ['3', 'und'],
    ]);
    // Caption tracks keep ids 2, 3, ...; the other audio tracks follow them.
    const caption = {
      id: 'cap_1',
      playlist: 'captions/cap_1.m3u8',
      file: 'captions/cap_1.vtt',
      name: 'English',
      language: 'en',
      kind: 'subtitles' as const,
      isDefault: false,
    };
    const ids = [...dashManifest(renditions, DURATION, [caption]).matchAll(/<AdaptationSet id="(\d+)"/g)];
    expect(ids.map((m) => m[1])).toEqual(['0', '1', '3', '4', '2']);
    expect(text).toContain('<Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>');
    expect(text.match(/value="alternate"/g)).toHaveLength(2);
    expect(text).toContain('<Label>Commentary</Label>');
  });
});

describe('mp4aCodecString', () => {
  /** An esds box: ES_Descriptor > DecoderConfigDescriptor (object type) > DecoderSpecificInfo. */
  const esds = (objectType: number, specific: number[]) => {
    const info = [0x05, specific.length, ...specific];
    const config = [0x04, 13 + info.length, objectType, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...info];
    const es = [0x03, 3 + config.length, 0, 1, 0, ...config];
    return Buffer.concat([
      Buffer.from([0, 0, 0, 12 + es.length]),
      Buffer.from('esds'),
      Buffer.alloc(4),
      Buffer.from(es),
    ]);
  };

  it('reads the audio object type from the AudioSpecificConfig', () => {
    // AAC-LC 48 kHz stereo: 00010 0011 0010 ...
    expect(mp4aCodecString(esds(0x40, [0x11, 0x90]))).toBe('mp4a.40.2');
    // HE-AAC (SBR): object type 5.
    expect(mp4aCodecString(esds(0x40, [0x2b, 0x10]))).toBe('mp4a.40.5');
    // An escaped object type (31 + 6 bits): 32 + 10 = 42 (USAC).
    expect(mp4aCodecString(esds(0x40, [0xf9, 0x40]))).toBe('mp4a.40.42');
    // MP3 in MP4 is named by its object type alone.
    expect(mp4aCodecString(esds(0x6b, []))).toBe('mp4a.6B');
    expect(mp4aCodecString(Buffer.from('no esds here'))).toBe('mp4a.40.2');
  });
});
