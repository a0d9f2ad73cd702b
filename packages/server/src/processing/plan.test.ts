import { describe, expect, it } from 'vitest';
import { aacTrack, h264Video, keyframesEvery, probeOf } from '../../test/probe-fixtures.ts';
import type { StreamScan } from './packet-scan.ts';
import {
  LOUDNESS_TARGET_LUFS,
  SEGMENT_SECONDS,
  bcp47,
  chooseAudio,
  hdrTransfer,
  longestGop,
  outputFrameRate,
  passthroughRefusal,
  planProcessing,
  playableRungs,
  rungBitrateKbps,
  withLoudness,
  type ProcessingPlan,
  type VideoPlan,
} from './plan.ts';
import type { VideoStreamInfo } from './probe-result.ts';

const EVERY_2S = keyframesEvery(2, 30);

function videoPlan(plan: ProcessingPlan): VideoPlan {
  if (!plan.video) throw new Error('expected a video plan');
  return plan.video;
}

function planVideo(video: Partial<VideoStreamInfo>, keyframes = EVERY_2S, durationSeconds = 30) {
  return planProcessing(probeOf({ video: h264Video(video), durationSeconds }), keyframes);
}

const sizes = (plan: VideoPlan) => plan.rungs.map((r) => `${r.width}x${r.height}`);
const names = (plan: VideoPlan) => plan.rungs.map((r) => r.name);

/** Every rung fits the source, is even-sized, and costs less than the one above it. */
function expectSaneLadder(plan: VideoPlan, display: { width: number; height: number }) {
  expect(plan.rungs.length).toBeGreaterThan(0);
  for (const rung of plan.rungs) {
    expect(rung.width).toBeLessThanOrEqual(display.width);
    expect(rung.height).toBeLessThanOrEqual(display.height);
    if (!rung.copy) {
      expect(rung.width % 2, rung.name).toBe(0);
      expect(rung.height % 2, rung.name).toBe(0);
    }
    expect(rung.bitrateKbps).toBeGreaterThanOrEqual(100);
  }
  for (let i = 1; i < plan.rungs.length; i++) {
    const [above, below] = [plan.rungs[i - 1]!, plan.rungs[i]!];
    expect(below.width * below.height).toBeLessThan(above.width * above.height);
    expect(below.bitrateKbps).toBeLessThan(above.bitrateKbps);
  }
  expect(plan.rungs.filter((r) => r.copy).length).toBeLessThanOrEqual(1);
  if (plan.rungs.some((r) => r.copy)) expect(plan.rungs[0]!.copy).toBe(true);
}

describe('planProcessing: video ladders', () => {
  it('copies a browser-ready 1080p H.264 source as the top rung and encodes 720/480/360/240 under it', () => {
    const plan = videoPlan(planVideo({}));
    expect(plan.passthroughRefusal).toBeNull();
    expect(plan.rungs).toEqual([
      { name: '1080p', width: 1920, height: 1080, bitrateKbps: 5000, copy: true },
      expect.objectContaining({ name: '720p', width: 1280, height: 720, copy: false }),
      expect.objectContaining({ name: '480p', width: 854, height: 480, copy: false }),
      expect.objectContaining({ name: '360p', width: 640, height: 360, copy: false }),
      expect.objectContaining({ name: '240p', width: 426, height: 240, copy: false }),
    ]);
    expectSaneLadder(plan, { width: 1920, height: 1080 });
    expect(plan.frameRate).toBe(30);
    expect(plan.deinterlace).toBe(false);
  });

  it('targets bitrates in the usual range for each size at 30 fps', () => {
    const rungs = videoPlan(planVideo({})).rungs;
    const kbps = Object.fromEntries(rungs.map((r) => [r.name, r.bitrateKbps]));
    expect(kbps['720p']).toBeGreaterThan(1500);
    expect(kbps['720p']).toBeLessThan(4000);
    expect(kbps['480p']).toBeGreaterThan(700);
    expect(kbps['480p']).toBeLessThan(2000);
    expect(kbps['360p']).toBeGreaterThan(400);
    expect(kbps['360p']).toBeLessThan(1200);
    expect(kbps['240p']).toBeGreaterThan(150);
    expect(kbps['240p']).toBeLessThan(600);
  });

  it('estimates the copied rung from its size when the stream bitrate is unknown', () => {
    const top = videoPlan(planVideo({ bitrate: null })).rungs[0]!;
    expect(top.copy).toBe(true);
    expect(top.bitrateKbps).toBe(rungBitrateKbps(1920, 1080, 30));
  });

  it('names portrait rungs by their short side: 1080x1920 gives widths 1080/720/480/360/240', () => {
    const plan = videoPlan(planVideo({ width: 1080, height: 1920 }));
    expect(plan.passthroughRefusal).toBeNull();
    expect(names(plan)).toEqual(['1080p', '720p', '480p', '360p', '240p']);
    expect(sizes(plan)).toEqual(['1080x1920', '720x1280', '480x854', '360x640', '240x426']);
    expect(plan.rungs[0]!.copy).toBe(true);
    expectSaneLadder(plan, { width: 1080, height: 1920 });
  });

  it.each([90, 270])(
    're-encodes a %i° rotated source upright: no passthrough, dimensions swapped',
    (rotation) => {
      const plan = videoPlan(planVideo({ width: 1920, height: 1080, rotation }));
      expect(plan.passthroughRefusal).toMatch(/rotated/);
      expect(plan.rungs.every((r) => !r.copy)).toBe(true);
      expect(sizes(plan)).toEqual(['1080x1920', '720x1280', '480x854', '360x640', '240x426']);
      expect(plan.keyframes).toEqual({ kind: 'every', seconds: SEGMENT_SECONDS });
      expectSaneLadder(plan, { width: 1080, height: 1920 });
    },
  );

  it('re-encodes a 180° rotated source at its own orientation', () => {
    const plan = videoPlan(planVideo({ rotation: 180 }));
    expect(plan.passthroughRefusal).toMatch(/rotated/);
    expect(sizes(plan)[0]).toBe('1920x1080');
  });

  it.each([
    { pixelFormat: 'yuv420p', chroma: '420' },
    { pixelFormat: 'yuv444p', chroma: '444', profile: 'High 4:4:4 Predictive' },
  ])('re-encodes an odd 641x361 frame ($pixelFormat) to even sizes', (facts) => {
    const plan = videoPlan(planVideo({ width: 641, height: 361, bitrate: 800_000, ...facts }));
    expect(plan.passthroughRefusal).not.toBeNull();
    expect(plan.rungs.every((r) => !r.copy)).toBe(true);
    expect(sizes(plan)).toEqual(['640x360', '426x240']);
    expectSaneLadder(plan, { width: 641, height: 361 });
  });

  it('refuses an odd frame size even when everything else would pass through', () => {
    expect(passthroughRefusal(h264Video({ width: 641, height: 360 }), EVERY_2S, 30)).toMatch(/odd/);
  });

  it.each([
    ['10-bit H.264', { bitDepth: 10, pixelFormat: 'yuv420p10le', profile: 'High 10' }, /10-bit/],
    ['4:2:2 H.264', { chroma: '422', pixelFormat: 'yuv422p', profile: 'High 4:2:2' }, /yuv422p/],
    ['HEVC', { codec: 'hevc', profile: 'Main' }, /hevc/],
    ['HEVC Main 10', { codec: 'hevc', profile: 'Main 10', bitDepth: 10, pixelFormat: 'yuv420p10le' }, /hevc/],
    ['VP9', { codec: 'vp9', profile: 'Profile 0' }, /vp9/],
    ['H.264 High 4:4:4', { profile: 'High 4:4:4 Predictive' }, /profile/],
    ['H.264 level 5.2', { level: 52 }, /level 5\.2/],
    ['anamorphic pixels', { sampleAspectRatio: 4 / 3 }, /non-square/],
  ] as const)('re-encodes %s instead of passing it through', (_label, facts, reason) => {
    const plan = videoPlan(planVideo(facts));
    expect(plan.passthroughRefusal).toMatch(reason);
    expect(plan.rungs.every((r) => !r.copy)).toBe(true);
    expect(plan.keyframes).toEqual({ kind: 'every', seconds: SEGMENT_SECONDS });
    // The top encoded rung keeps the source's (display) size.
    expect(plan.rungs[0]).toMatchObject({ width: h264Video(facts).displayWidth, height: 1080 });
  });

  it('passes through the profiles and levels every browser plays', () => {
    for (const profile of ['Baseline', 'Constrained Baseline', 'Main', 'High']) {
      expect(passthroughRefusal(h264Video({ profile }), EVERY_2S, 30), profile).toBeNull();
    }
    expect(passthroughRefusal(h264Video({ level: 51 }), EVERY_2S, 30)).toBeNull();
    expect(passthroughRefusal(h264Video({ level: null }), EVERY_2S, 30)).toBeNull();
    expect(passthroughRefusal(h264Video({ profile: null }), EVERY_2S, 30)).toMatch(/profile unknown/);
  });

  it('gives variable frame rate a constant output rate from the standard set', () => {
    const cases: [number, number][] = [
      [23.08, 24],
      [24.9, 25],
      [28.7, 30],
      [47, 50],
      [59.2, 60],
      [14, 24],
    ];
    for (const [average, expected] of cases) {
      const plan = videoPlan(
        planVideo({ frameRate: 30, averageFrameRate: average, variableFrameRate: true }),
      );
      expect(plan.passthroughRefusal).toMatch(/variable frame rate/);
      expect(plan.frameRate, `average ${average}`).toBe(expected);
      expect([24, 25, 30, 50, 60]).toContain(plan.frameRate);
    }
  });

  it('keeps a constant source rate, halving anything above 60 fps', () => {
    expect(outputFrameRate(h264Video({ frameRate: 30000 / 1001 }))).toBe(29.97);
    expect(outputFrameRate(h264Video({ frameRate: 25 }))).toBe(25);
    expect(outputFrameRate(h264Video({ frameRate: 120 }))).toBe(60);
    expect(outputFrameRate(h264Video({ frameRate: 240 }))).toBe(60);
    expect(outputFrameRate(h264Video({ frameRate: 100 }))).toBe(50);
    expect(outputFrameRate(h264Video({ frameRate: null, averageFrameRate: 24 }))).toBe(24);
    expect(outputFrameRate(h264Video({ frameRate: null, averageFrameRate: null }))).toBe(30);
  });

  it('deinterlaces an interlaced source and does not pass it through', () => {
    const plan = videoPlan(planVideo({ interlaced: true, width: 1920, height: 1080 }));
    expect(plan.deinterlace).toBe(true);
    expect(plan.passthroughRefusal).toMatch(/interlaced/);
    expect(plan.rungs.every((r) => !r.copy)).toBe(true);
  });

  it('does not pass through keyframes 10 s apart: seeking would be slow', () => {
    const keyframes = [0, 10, 20];
    expect(longestGop(keyframes, 30)).toBe(10);
    const plan = videoPlan(planVideo({}, keyframes));
    expect(plan.passthroughRefusal).toMatch(/10\.0 s apart/);
    expect(plan.keyframes).toEqual({ kind: 'every', seconds: 2 });
    // The tail after the last keyframe counts as a GOP too.
    expect(longestGop([0, 2, 4], 12)).toBe(8);
    expect(longestGop([], 7)).toBe(7);
    expect(passthroughRefusal(h264Video(), [0, 4, 8, 12], 16)).toBeNull();
  });

  it('spends more bits on 60 fps than on 30 fps, but less than twice as many', () => {
    const at60 = videoPlan(planVideo({ frameRate: 60, averageFrameRate: 60 }));
    const at30 = videoPlan(planVideo({}));
    expect(at60.frameRate).toBe(60);
    expect(at60.passthroughRefusal).toBeNull();
    for (let i = 1; i < at30.rungs.length; i++) {
      const [fast, normal] = [at60.rungs[i]!.bitrateKbps, at30.rungs[i]!.bitrateKbps];
      expect(fast).toBeGreaterThan(normal * 1.3);
      expect(fast).toBeLessThan(normal * 2);
    }
  });

  it('copies a 4K H.264 source and encodes the whole ladder under it', () => {
    const plan = videoPlan(planVideo({ width: 3840, height: 2160, level: 51, bitrate: 20_000_000 }));
    expect(plan.passthroughRefusal).toBeNull();
    expect(names(plan)).toEqual(['2160p', '1080p', '720p', '480p', '360p', '240p']);
    expect(plan.rungs[0]).toMatchObject({ width: 3840, height: 2160, copy: true, bitrateKbps: 20000 });
    expectSaneLadder(plan, { width: 3840, height: 2160 });
  });

  it('encodes a 4K HEVC source with 1080p on top: a 4K H.264 encode is not worth its CPU', () => {
    const plan = videoPlan(planVideo({ width: 3840, height: 2160, codec: 'hevc', profile: 'Main' }));
    expect(names(plan)).toEqual(['1080p', '720p', '480p', '360p', '240p']);
    expect(plan.rungs[0]).toMatchObject({ width: 1920, height: 1080, copy: false });
    expectSaneLadder(plan, { width: 3840, height: 2160 });
  });

  it('caps every encoded ladder at 1080p, whatever the size or orientation above it', () => {
    const cases = [
      { source: { width: 2560, height: 1440, codec: 'vp9', profile: 'Profile 0' }, top: '1920x1080' },
      { source: { width: 2160, height: 3840, codec: 'hevc', profile: 'Main' }, top: '1080x1920' },
      // H.264 that cannot pass through (10-bit) is encoded like any other codec.
      { source: { width: 3840, height: 2160, pixelFormat: 'yuv420p10le', bitDepth: 10 }, top: '1920x1080' },
      { source: { width: 7680, height: 4320, codec: 'av1', profile: 'Main' }, top: '1920x1080' },
    ];
    for (const { source, top } of cases) {
      const plan = videoPlan(planVideo(source));
      expect(plan.passthroughRefusal, top).not.toBeNull();
      expect(sizes(plan)[0], `${source.width}x${source.height}`).toBe(top);
      expect(plan.rungs.every((r) => !r.copy && Math.min(r.width, r.height) <= 1080)).toBe(true);
    }
  });

  it('still encodes a 900p source at its own size on top, below the cap', () => {
    const plan = videoPlan(planVideo({ width: 1600, height: 900, codec: 'hevc', profile: 'Main' }));
    expect(names(plan)).toEqual(['900p', '720p', '480p', '360p', '240p']);
  });

  it('does not add a rung barely smaller than the copied one', () => {
    // 1200p copied: 1080p is within 15 % of it and adds bytes, not choice.
    const plan = videoPlan(planVideo({ width: 2134, height: 1200 }));
    expect(names(plan)).toEqual(['1200p', '720p', '480p', '360p', '240p']);
  });

  it('gives a tiny 320x180 source one rung at its own size, copied or encoded', () => {
    const copied = videoPlan(planVideo({ width: 320, height: 180, bitrate: 200_000 }));
    expect(copied.rungs).toEqual([{ name: '180p', width: 320, height: 180, bitrateKbps: 200, copy: true }]);
    const encoded = videoPlan(planVideo({ width: 320, height: 180, codec: 'hevc', profile: 'Main' }));
    expect(encoded.rungs).toEqual([
      { name: '180p', width: 320, height: 180, bitrateKbps: rungBitrateKbps(320, 180, 30), copy: false },
    ]);
  });

  it('keeps a 360p source at 360p and 240p, never scaling up', () => {
    const plan = videoPlan(planVideo({ width: 640, height: 360, codec: 'vp9', profile: 'Profile 0' }));
    expect(sizes(plan)).toEqual(['640x360', '426x240']);
  });
});

describe('planProcessing: audio', () => {
  it('plans no video or storyboard for audio only, and a waveform or its cover art as the poster', () => {
    const plan = planProcessing(probeOf({ video: null, audio: [aacTrack({ index: 0 })] }), []);
    expect(plan.video).toBeNull();
    expect(plan.storyboard).toBeNull();
    expect(plan.posterAtSeconds).toBeNull();
    expect(plan.audio).toMatchObject({ sourceIndex: 0, copy: true, bitrateKbps: 128, id: 'audio' });
    expect(plan.audioPoster).toEqual({ kind: 'waveform' });
    const withCover = planProcessing(
      probeOf({ video: null, audio: [aacTrack({ index: 0 })], coverArtIndex: 1 }),
      [],
    );
    expect(withCover.audioPoster).toEqual({ kind: 'cover-art', streamIndex: 1 });
    expect(planProcessing(probeOf(), EVERY_2S).audioPoster).toBeNull();
  });

  it('plans no audio for a silent video', () => {
    const plan = planProcessing(probeOf({ audio: [] }), EVERY_2S);
    expect(plan.audio).toBeNull();
    expect(plan.video?.rungs.length).toBe(5);
  });

  it.each([
    ['AAC-LC stereo 48 kHz', {}, true],
    ['AAC-LC stereo 44.1 kHz', { sampleRate: 44100 }, true],
    ['AAC-LC mono', { channels: 1 }, true],
    ['AAC-LC 5.1', { channels: 6 }, false],
    ['AAC-LC 96 kHz', { sampleRate: 96000 }, false],
    ['AAC-LC 32 kHz', { sampleRate: 32000 }, false],
    ['HE-AAC', { profile: 'HE-AAC' }, false],
    ['AAC without a profile', { profile: null }, false],
    ['MP3', { codec: 'mp3', profile: null, sampleRate: 44100 }, false],
    ['Opus', { codec: 'opus', profile: null }, false],
    ['AC-3', { codec: 'ac3', profile: null, channels: 6 }, false],
  ] as const)('%s: copy=%s', (_label, facts, copy) => {
    const plan = planProcessing(probeOf({ audio: [aacTrack(facts)] }), EVERY_2S);
    expect(plan.audio).toMatchObject({ sourceIndex: 1, copy, bitrateKbps: 128, align: null, gainDb: null });
  });

  it('picks the track marked default, else the first', () => {
    const eng = aacTrack({ index: 1, language: 'eng', isDefault: false });
    const fra = aacTrack({ index: 2, language: 'fra', isDefault: true, codec: 'opus', profile: null });
    expect(chooseAudio([eng, fra])).toBe(fra);
    expect(planProcessing(probeOf({ audio: [eng, fra] }), EVERY_2S).audio).toMatchObject({
      sourceIndex: 2,
      copy: false,
      bitrateKbps: 128,
    });
    const none = [{ ...eng }, { ...fra, isDefault: false }];
    expect(chooseAudio(none)).toBe(none[0]);
    expect(chooseAudio([])).toBeNull();
  });
});

describe('planProcessing: storyboard, poster, keyframes', () => {
  it.each([
    [30, 1, 30, 10, 3],
    [60, 1, 60, 10, 6],
    [100, 1, 100, 10, 10],
    [101, 2, 51, 10, 6],
    [3600, 36, 100, 10, 10],
    [5, 1, 5, 5, 1],
    [0.4, 1, 1, 1, 1],
  ])(
    'a %f s video: a thumbnail every %i s, %i in all, %i columns, %i rows',
    (duration, interval, count, columns, rows) => {
      const plan = planProcessing(probeOf({ durationSeconds: duration }), [0]);
      expect(plan.storyboard).toEqual({
        intervalSeconds: interval,
        tileWidth: 160,
        tileHeight: 90,
        columns,
        rows,
        count,
      });
      expect(plan.storyboard!.columns * plan.storyboard!.rows).toBeGreaterThanOrEqual(count);
    },
  );

  it('sizes storyboard tiles by the displayed aspect ratio', () => {
    const portrait = planProcessing(probeOf({ video: h264Video({ width: 1080, height: 1920 }) }), EVERY_2S);
    expect(portrait.storyboard).toMatchObject({ tileWidth: 160, tileHeight: 284 });
    const rotated = planProcessing(probeOf({ video: h264Video({ rotation: 90 }) }), EVERY_2S);
    expect(rotated.storyboard).toMatchObject({ tileWidth: 160, tileHeight: 284 });
    const square = planProcessing(probeOf({ video: h264Video({ width: 720, height: 720 }) }), EVERY_2S);
    expect(square.storyboard).toMatchObject({ tileWidth: 160, tileHeight: 160 });
  });

  it('keeps every sprite sheet within JPEG’s 65,535 pixels, even for a picture 1:100 tall', () => {
    const strip = planProcessing(probeOf({ video: h264Video({ width: 20, height: 2000 }) }), EVERY_2S);
    const sb = strip.storyboard!;
    expect(sb.tileHeight).toBe(1600);
    expect(sb.columns * sb.tileWidth).toBeLessThanOrEqual(65_535);
    expect(sb.rows * sb.tileHeight).toBeLessThanOrEqual(65_535);
  });

  it('takes the poster a tenth in, at least 1 s in, and at least 1 s before the end', () => {
    const at = (durationSeconds: number) => planProcessing(probeOf({ durationSeconds }), [0]).posterAtSeconds;
    expect(at(100)).toBe(10);
    expect(at(30)).toBe(3);
    expect(at(5)).toBe(1);
    expect(at(1.5)).toBe(0.5);
    expect(at(0.5)).toBe(0);
  });

  it('keeps the source keyframe times for a passthrough source and forces one every 2 s otherwise', () => {
    const irregular = [0, 1.5, 3.7, 5.2, 7];
    const passthrough = videoPlan(planVideo({}, irregular, 8));
    expect(passthrough.keyframes).toEqual({ kind: 'source', times: irregular });
    // A copy, not the caller's array.
    expect(passthrough.keyframes.kind === 'source' && passthrough.keyframes.times).not.toBe(irregular);
    const encoded = videoPlan(planVideo({ codec: 'hevc', profile: 'Main' }, irregular, 8));
    expect(encoded.keyframes).toEqual({ kind: 'every', seconds: 2 });
  });

  it('segments every plan in 2 s pieces and carries the duration through', () => {
    const plan = planProcessing(probeOf({ durationSeconds: 12.345 }), EVERY_2S);
    expect(plan.segmentSeconds).toBe(2);
    expect(plan.durationSeconds).toBe(12.345);
  });
});

describe('planProcessing: real-world sources', () => {
  const scanOf = (entries: [number, Partial<StreamScan>][]): Map<number, StreamScan> =>
    new Map(
      entries.map(([index, s]) => [
        index,
        {
          kind: 'audio',
          keyframes: [],
          timing: { start: 0, end: 30, gapSeconds: 0 },
          peakBitrate: 0,
          frameRate: null,
          ...s,
        } satisfies StreamScan,
      ]),
    );
  const steadyVideo: [number, Partial<StreamScan>] = [
    0,
    { kind: 'video', timing: { start: 0, end: 30, gapSeconds: 0 } },
  ];

  it.each([
    ['HLG', 'arib-std-b67', null, 1000],
    ['PQ without metadata', 'smpte2084', null, 1000],
    ['PQ mastered to 4000 cd/m²', 'smpte2084', 4000, 4000],
  ] as const)('tone-maps %s to SDR and never passes it through', (_label, transfer, peak, nits) => {
    const video = h264Video({ colorTransfer: transfer, colorPrimaries: 'bt2020', peakLuminance: peak });
    const plan = videoPlan(planVideo(video));
    expect(plan.passthroughRefusal).toMatch(/HDR/);
    expect(plan.toneMap).toEqual({ transfer, peakNits: nits });
    expect(hdrTransfer(h264Video())).toBeNull();
    expect(videoPlan(planVideo({})).toneMap).toBeNull();
  });

  it('converts BT.2020 SDR and BT.601 colours instead of passing them through or mislabelling them', () => {
    expect(videoPlan(planVideo({ colorPrimaries: 'bt2020' })).passthroughRefusal).toMatch(/BT.2020/);
    const sd = videoPlan(planVideo({ width: 720, height: 576, colorSpace: 'bt470bg', codec: 'mpeg2video' }));
    expect(sd.colorMatrix601).toBe('bt601-6-625');
    expect(videoPlan(planVideo({ colorSpace: 'smpte170m' })).colorMatrix601).toBe('bt601-6-525');
    expect(videoPlan(planVideo({ colorSpace: 'bt709' })).colorMatrix601).toBeNull();
  });

  it('refuses to pass through peaks of more than 80 Mbit/s in a second', () => {
    expect(passthroughRefusal(h264Video(), EVERY_2S, 30, 120_000_000)).toMatch(/120 Mbit\/s/);
    expect(passthroughRefusal(h264Video(), EVERY_2S, 30, 50_000_000)).toBeNull();
  });

  it('encodes a first rung of at most 480p fast when nothing can be copied, and only when that is quick', () => {
    const hevc = { codec: 'hevc', profile: 'Main' };
    expect(videoPlan(planVideo(hevc)).firstRung).toMatchObject({ name: '480p', width: 854, height: 480 });
    expect(videoPlan(planVideo({ ...hevc, width: 640, height: 360 })).firstRung?.name).toBe('360p');
    expect(videoPlan(planVideo({ ...hevc, width: 1080, height: 1920 })).firstRung).toMatchObject({
      width: 480,
      height: 854,
    });
    // A copied source needs none; an hour of video would take minutes, so the ladder comes first.
    expect(videoPlan(planVideo({})).firstRung).toBeNull();
    expect(videoPlan(planVideo(hevc, EVERY_2S, 3600)).firstRung).toBeNull();
    const plan = planVideo(hevc);
    expect(playableRungs(plan)).toEqual([plan.video!.firstRung]);
    expect(playableRungs(planVideo({})).map((r) => r.copy)).toEqual([true]);
  });

  it('treats uneven frame times seen in the packets as variable frame rate, at their average', () => {
    const scan = scanOf([[0, { kind: 'video', frameRate: { average: 22.6, variable: true } }]]);
    const plan = videoPlan(planProcessing(probeOf(), EVERY_2S, { streams: scan }));
    expect(plan.passthroughRefusal).toMatch(/variable frame rate/);
    expect(plan.frameRate).toBe(24);
  });

  it('pads sound that starts late, has holes or ends early, and then encodes it instead of copying', () => {
    const plan = (timing: StreamScan['timing']) =>
      planProcessing(probeOf(), EVERY_2S, { streams: scanOf([steadyVideo, [1, { timing }]]) }).audio!;
    expect(plan({ start: 0, end: 30, gapSeconds: 0 })).toMatchObject({ copy: true, align: null });
    expect(plan({ start: 0.3, end: 30, gapSeconds: 0 })).toMatchObject({
      copy: false,
      align: { startSeconds: 0, endSeconds: 30 },
    });
    expect(plan({ start: 0, end: 30, gapSeconds: 0.5 }).align).not.toBeNull();
    expect(plan({ start: 0, end: 29.5, gapSeconds: 0 }).align).not.toBeNull();
    // Within a frame at the end, and a few milliseconds anywhere, is no reason to re-encode.
    expect(plan({ start: 0.005, end: 29.98, gapSeconds: 0.004 }).align).toBeNull();
    // Sound alone is only padded inside.
    const alone = planProcessing(probeOf({ video: null, audio: [aacTrack({ index: 0 })] }), [], {
      streams: scanOf([[0, { timing: { start: 0.2, end: 10, gapSeconds: 1 } }]]),
    }).audio!;
    expect(alone.align).toEqual({ startSeconds: 0.2, endSeconds: 10 });
  });

  it('keeps every audio track: the default first, the others as alternates named by language', () => {
    const eng = aacTrack({ index: 1, language: 'eng', isDefault: false });
    const fra = aacTrack({ index: 2, language: 'fre', isDefault: true });
    const commentary = aacTrack({ index: 3, language: null, title: 'Commentary', isDefault: false });
    const plan = planProcessing(probeOf({ audio: [eng, fra, commentary] }), EVERY_2S);
    expect(plan.audio).toMatchObject({ sourceIndex: 2, id: 'audio', language: 'fr', name: 'Français' });
    expect(plan.alternateAudio.map((a) => [a.sourceIndex, a.id, a.language, a.name, a.isDefault])).toEqual([
      [1, 'audio-1', 'en', 'English', false],
      [3, 'audio-3', null, 'Commentary', false],
    ]);
    expect(bcp47('xx-not a tag')).toBeNull();
  });

  it('chooses the default track by silence, then disposition, then language', () => {
    const silentEnglish = aacTrack({ index: 1, language: 'eng', isDefault: true });
    const french = aacTrack({ index: 2, language: 'fra', isDefault: false });
    const german = aacTrack({ index: 3, language: 'deu', isDefault: false });
    const tracks = [silentEnglish, french, german];
    expect(chooseAudio(tracks)).toBe(silentEnglish);
    expect(chooseAudio(tracks, new Set([1]))).toBe(french);
    expect(chooseAudio(tracks, new Set([1]), ['de'])).toBe(german);
    expect(chooseAudio(tracks, new Set([1, 2, 3]))).toBe(silentEnglish);
    const plan = planProcessing(probeOf({ audio: tracks }), EVERY_2S, { silentAudio: new Set([1]) });
    expect(plan.audio?.sourceIndex).toBe(2);
  });

  it('brings the sound to -16 LUFS when asked: a gain, encoded, never applied to silence', () => {
    const asked = planProcessing(probeOf(), EVERY_2S, { normalizeLoudness: true });
    expect(asked.normalizeLoudness).toBe(true);
    expect(withLoudness(asked, -35).audio).toMatchObject({ gainDb: 19, copy: false });
    expect(withLoudness(asked, -10).audio?.gainDb).toBe(-6);
    expect(withLoudness(asked, -16.2)).toBe(asked);
    expect(withLoudness(asked, -75)).toBe(asked);
    expect(withLoudness(asked, null)).toBe(asked);
    // At most 30 dB: a very quiet recording is mostly its noise.
    expect(withLoudness(asked, -50).audio?.gainDb).toBe(30);
    const notAsked = planProcessing(probeOf(), EVERY_2S);
    expect(withLoudness(notAsked, -35)).toBe(notAsked);
    expect(LOUDNESS_TARGET_LUFS).toBe(-16);
  });
});
