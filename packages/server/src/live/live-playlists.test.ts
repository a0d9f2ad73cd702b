import { describe, expect, it } from 'vitest';
import {
  inWindow,
  liveDashManifest,
  liveMasterPlaylist,
  liveMediaPlaylist,
  type LivePlaylistOptions,
} from './live-playlists.ts';
import type { LivePeriod, LiveSegment, LiveTrack } from './live-tracks.ts';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const live: LivePlaylistOptions = {
  ended: false,
  dvrWindowSeconds: 3600,
  segmentSeconds: 4,
  blockingReload: false,
};

/** Four-second segments: two periods (a reconnect after the third, 10 s later). */
function segments(): LiveSegment[] {
  return [0, 1, 2, 3, 4].map((seq) => ({
    seq,
    period: seq < 3 ? 0 : 1,
    durationMs: 4000,
    receivedAt: T0 + seq * 4000 + (seq >= 3 ? 10_000 : 0),
  }));
}

const video: LiveTrack = {
  id: 'video',
  kind: 'video',
  codecs: 'avc1.64001f',
  width: 1280,
  height: 720,
  bandwidth: 3_000_000,
  startMs: 0,
};
const audio: LiveTrack = {
  id: 'audio',
  kind: 'audio',
  codecs: 'mp4a.40.2',
  width: null,
  height: null,
  bandwidth: 128_000,
  startMs: 21,
};

describe('live HLS media playlists', () => {
  it('date every segment and mark the reconnect with a discontinuity and a new init segment', () => {
    const text = liveMediaPlaylist('video', segments(), live);
    expect(text).toContain('#EXT-X-TARGETDURATION:4');
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:0');
    expect(text).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:0');
    expect(text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    expect(text).toContain('#EXT-X-MAP:URI="p1/video/init.mp4"');
    expect(text).toContain(
      `#EXT-X-PROGRAM-DATE-TIME:${new Date(T0 + 22_000).toISOString()}\n#EXTINF:4.000,\np1/video/3.m4s`,
    );
    expect(text).not.toContain('ENDLIST');
  });

  it('slide the DVR window and count the discontinuities that left it', () => {
    const text = liveMediaPlaylist('video', segments(), { ...live, dvrWindowSeconds: 8 });
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:3');
    expect(text).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1');
    expect(text).not.toContain('p0/video');
    expect(inWindow(segments(), { ...live, dvrWindowSeconds: 8 }).map((s) => s.seq)).toEqual([3, 4]);
  });

  it('list the whole recording with ENDLIST once the broadcast ended, whatever the window', () => {
    const text = liveMediaPlaylist('video', segments(), { ...live, ended: true, dvrWindowSeconds: 8 });
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(text.trim().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect(text.match(/\.m4s/g)).toHaveLength(5);
  });

  it('round the target duration as RFC 8216 does, so a 1.02 s segment keeps a 1 s target', () => {
    const short = [0, 1, 2].map((seq) => ({
      seq,
      period: 0,
      durationMs: seq === 1 ? 1020 : 1000,
      receivedAt: T0 + seq * 1000,
    }));
    expect(liveMediaPlaylist('video', short, { ...live, segmentSeconds: 1 })).toContain(
      '#EXT-X-TARGETDURATION:1\n',
    );
    const long = [{ seq: 0, period: 0, durationMs: 1600, receivedAt: T0 }];
    expect(liveMediaPlaylist('video', long, { ...live, segmentSeconds: 1 })).toContain(
      '#EXT-X-TARGETDURATION:2\n',
    );
  });

  it('offer blocking reload in low latency while live', () => {
    expect(liveMediaPlaylist('video', segments(), { ...live, blockingReload: true })).toContain(
      'CAN-BLOCK-RELOAD=YES',
    );
    expect(liveMediaPlaylist('video', [], live)).toContain('#EXT-X-MEDIA-SEQUENCE:0');
  });
});

describe('the live master playlist', () => {
  it('names codecs, size and the audio group, under a base when served for the stream', () => {
    const text = liveMasterPlaylist([video, audio], '../../med_x/');
    expect(text).toContain(
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,URI="../../med_x/live/audio.m3u8"',
    );
    expect(text).toContain(
      '#EXT-X-STREAM-INF:BANDWIDTH=3128000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,AUDIO="audio"\n../../med_x/live/video.m3u8',
    );
  });

  it('carries video alone when there is no sound', () => {
    const text = liveMasterPlaylist([video]);
    expect(text).not.toContain('AUDIO');
    expect(text).toContain('CODECS="avc1.64001f"');
  });
});

describe('the live DASH manifest', () => {
  const periods: LivePeriod[] = [
    { period: 0, startedAt: T0, tracks: [video, audio] },
    { period: 1, startedAt: T0 + 22_000, tracks: [video, audio] },
  ];
  const byTrack = new Map([
    ['video', segments()],
    ['audio', segments()],
  ]);

  it('is dynamic while live, one Period per publisher session at its wall-clock start', () => {
    const mpd = liveDashManifest(periods, byTrack, live, T0 + 40_000);
    expect(mpd).toContain('type="dynamic"');
    expect(mpd).toContain(`availabilityStartTime="${new Date(T0).toISOString()}"`);
    expect(mpd).toContain('<Period id="p0" start="PT0.000S">');
    expect(mpd).toContain('<Period id="p1" start="PT22.000S">');
    expect(mpd).toContain('media="live/p1/video/$Number$.m4s" startNumber="3"');
    expect(mpd).toContain('presentationTimeOffset="21"');
    expect(mpd).toContain('<S t="0" d="4000"/><S d="4000"/><S d="4000"/>');
  });

  it('is static once ended, the Periods back to back', () => {
    const mpd = liveDashManifest(periods, byTrack, { ...live, ended: true }, T0 + 60_000);
    expect(mpd).toContain('type="static" mediaPresentationDuration="PT20.000S"');
    expect(mpd).toContain('<Period id="p1" start="PT12.000S">');
  });
});
