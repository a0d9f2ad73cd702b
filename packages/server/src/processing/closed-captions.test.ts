import { describe, expect, it } from 'vitest';
import { parseHls } from '../../test/stream-parsers.ts';
import {
  CAPTION_CHECK_FRAMES,
  closedCaptionsProbeArgs,
  extractClosedCaptionsArgs,
  filterGraphValue,
  parseClosedCaptionsProbe,
} from './closed-captions.ts';
import { UNTRUSTED_INPUT } from './input-format.ts';
import { dashManifest, masterPlaylist } from '../delivery/manifests.ts';
import { playbackIndexSchema, type PublishedRendition } from '../media/playback-index.ts';
import { parseProbe } from './probe.ts';

const rendition = (id: string, kind: 'video' | 'audio', closedCaptions?: boolean): PublishedRendition => ({
  id,
  kind,
  file: `${id}.mp4`,
  codec: kind === 'video' ? 'avc1.64001f' : 'mp4a.40.2',
  width: kind === 'video' ? 640 : null,
  height: kind === 'video' ? 360 : null,
  frameRate: kind === 'video' ? 30 : null,
  index: { initLength: 800, segments: [{ duration: 2, offset: 800, length: 100_000 }] },
  ...(closedCaptions !== undefined && { closedCaptions }),
});

describe('608 captions in the pictures', () => {
  it('are looked for by decoding the first frames of the video, through the allowlists', () => {
    expect(closedCaptionsProbeArgs('/w/source', 0, 'mov')).toEqual([
      ...['-v', 'error', ...UNTRUSTED_INPUT, '-f', 'mov', '-select_streams', '0'],
      ...['-read_intervals', `%+#${CAPTION_CHECK_FRAMES}`],
      ...['-show_entries', 'frame=key_frame:stream=closed_captions', '-of', 'json', '/w/source'],
    ]);
    expect(parseClosedCaptionsProbe('{"frames":[{"key_frame":1}],"streams":[{"closed_captions":1}]}')).toBe(
      true,
    );
    expect(parseClosedCaptionsProbe('{"streams":[{"closed_captions":0}]}')).toBe(false);
    expect(parseClosedCaptionsProbe('{}')).toBe(false);
  });

  it('are recorded by the probe, with a QuickTime c608 track', () => {
    const probe = parseProbe({
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3' },
      streams: [
        { index: 0, codec_type: 'video', codec_name: 'h264', width: 640, height: 360, closed_captions: 1 },
        { index: 1, codec_type: 'subtitle', codec_name: 'eia_608' },
      ],
    });
    expect(probe.video?.closedCaptions).toBe(true);
    expect(probe.eia608Track).toBe(true);
    const plain = parseProbe({
      format: { format_name: 'matroska,webm', duration: '3' },
      streams: [{ index: 0, codec_type: 'video', codec_name: 'vp9', width: 640, height: 360 }],
    });
    expect([plain.video?.closedCaptions, plain.eia608Track]).toEqual([false, false]);
  });

  it('are extracted by the movie filter, the path escaped for the filter graph', () => {
    expect(filterGraphValue("file:./a b:c'd,[x];\\y")).toBe(
      "file\\\\:./a b\\\\:c\\\\\\'d\\,\\[x\\]\\;\\\\\\\\y",
    );
    expect(extractClosedCaptionsArgs('./source', 'mpegts', '/w/subtitles/cc1.vtt')).toEqual([
      ...['-nostdin', '-hide_banner', '-v', 'error'],
      ...['-f', 'lavfi', '-i', 'movie=filename=file\\\\:./source:format_name=mpegts[out0+subcc]'],
      ...['-map', '0:s', '-c:s', 'webvtt', '-f', 'webvtt', '/w/subtitles/cc1.vtt'],
    ]);
  });
});

describe('the master playlist with 608 captions', () => {
  it('declares CC1 in a CLOSED-CAPTIONS group that every video variant names', () => {
    const text = masterPlaylist([
      rendition('video-360p', 'video', true),
      rendition('video-240p', 'video', true),
      rendition('audio', 'audio'),
    ]);
    const { manifest, warnings } = parseHls(text);
    expect(warnings).toEqual([]);
    expect(text).toContain(
      '#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,INSTREAM-ID="CC1"',
    );
    const attributes = (manifest.playlists ?? []).map((p) => p.attributes as Record<string, unknown>);
    expect(attributes.map((a) => a['CLOSED-CAPTIONS'])).toEqual(['cc', 'cc']);
    const groups = manifest.mediaGroups as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(groups['CLOSED-CAPTIONS']?.cc ?? {})).toEqual(['English']);
  });

  it('leaves the attribute out without them (it is optional; NONE would bind every variant)', () => {
    for (const flag of [undefined, false]) {
      const text = masterPlaylist([rendition('video-360p', 'video', flag), rendition('audio', 'audio')]);
      expect(text).not.toContain('CLOSED-CAPTIONS');
    }
    // A variant without them (a version written before captions were kept) declares none.
    const mixed = masterPlaylist([rendition('a', 'video', true), rendition('b', 'video')]);
    expect(mixed).not.toContain('CLOSED-CAPTIONS');
  });

  it('are named in the MPD as DASH-IF does, an accessibility descriptor of the video', () => {
    const cc = '<Accessibility schemeIdUri="urn:scte:dash:cc:cea-608:2015" value="CC1=eng"/>';
    expect(dashManifest([rendition('v', 'video', true), rendition('audio', 'audio')], 2)).toContain(cc);
    expect(dashManifest([rendition('v', 'video'), rendition('audio', 'audio')], 2)).not.toContain('608');
  });

  it('keeps the flag in the stored playback index', () => {
    const index = {
      durationSeconds: 2,
      renditions: [rendition('video-360p', 'video', true)],
      poster: null,
      storyboard: null,
      download: null,
    };
    expect(playbackIndexSchema.parse(index).renditions[0]?.closedCaptions).toBe(true);
  });
});
