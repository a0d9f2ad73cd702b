import { describe, expect, it } from 'vitest';
import { aacTrack, h264Video, keyframesEvery, probeOf } from '../../test/probe-fixtures.ts';
import {
  LADDER_CRF,
  MEDIA_TIME_OFFSET_SECONDS,
  audioArgs,
  audioFilters,
  audioPosterArgs,
  downloadArgs,
  forceKeyframes,
  instantArgs,
  ladderArgs,
  outputs,
  rateControl,
  toneMapFilters,
} from './ffmpeg-commands.ts';
import { planProcessing, type AudioPlan, type ProcessingPlan } from './plan.ts';

// A hostile but legal file name: one argument, never split or interpreted.
const SOURCE = '/data/uploads/my clip; rm -rf ~ $(id) `x`.mp4';
const DIR = '/work/job 1';

const EVERY_2S = keyframesEvery(2, 30);
const passthrough = planProcessing(probeOf(), EVERY_2S);
const encoded = planProcessing(
  probeOf({
    video: h264Video({ codec: 'hevc', profile: 'Main', index: 0 }),
    audio: [aacTrack({ index: 2 })],
  }),
  keyframesEvery(2, 30),
);
const audioOnly = planProcessing(probeOf({ video: null, audio: [aacTrack({ index: 0 })] }), []);

/** The value after a flag (the first occurrence), for asserting pairs in an argument array. */
function valueOf(args: readonly string[], flag: string, from = 0): string | undefined {
  const at = args.indexOf(flag, from);
  return at < 0 ? undefined : args[at + 1];
}

function allValuesOf(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

/** Every ffmpeg run reads only local files, quietly, from an argument array of plain strings. */
function expectSafeInvocation(args: readonly string[]) {
  expect(args.length).toBeGreaterThan(0);
  for (const a of args) expect(typeof a).toBe('string');
  expect(args.slice(0, 2)).toEqual(['-nostdin', '-hide_banner']);
  const whitelist = args.indexOf('-protocol_whitelist');
  expect(whitelist).toBeGreaterThan(-1);
  expect(args[whitelist + 1]).toBe('file,pipe');
  const firstInput = args.indexOf('-i');
  expect(firstInput).toBeGreaterThan(whitelist);
  // One flag or one value per element: nothing is a command line for a shell to split.
  expect(args.filter((a) => a.startsWith('-') && /\s/.test(a))).toEqual([]);
}

/** Each output of the single-file CMAF muxer, as {segment file, playlist}. */
function cmafOutputs(args: readonly string[]) {
  const found: { file: string | undefined; playlist: string | undefined; time: string | undefined }[] = [];
  args.forEach((a, i) => {
    if (a === '-f' && args[i + 1] === 'hls') {
      const rest = args.slice(i);
      const end = rest.indexOf('-hls_segment_filename');
      found.push({
        file: rest[end + 1],
        playlist: rest[end + 2],
        time: valueOf(rest, '-hls_time'),
      });
      expect(valueOf(rest, '-hls_segment_type')).toBe('fmp4');
      expect(valueOf(rest, '-hls_flags')).toBe('single_file');
      expect(valueOf(rest, '-hls_playlist_type')).toBe('vod');
    }
  });
  return found;
}

describe('instantArgs', () => {
  it('copies the video and audio streams of a passthrough source into two CMAF files', () => {
    const args = instantArgs(SOURCE, passthrough, DIR);
    expectSafeInvocation(args);
    expect(allValuesOf(args, '-i')).toEqual([SOURCE]);
    expect(allValuesOf(args, '-map')).toEqual(['0:0', '0:1']);
    expect(valueOf(args, '-c:v')).toBe('copy');
    expect(valueOf(args, '-c:a')).toBe('copy');
    expect(args).not.toContain('libx264');
    expect(args).not.toContain('aac');
    expect(cmafOutputs(args)).toEqual([
      { file: `${DIR}/video-1080p.mp4`, playlist: `${DIR}/video-1080p.ffmpeg.m3u8`, time: '2' },
      { file: `${DIR}/audio.mp4`, playlist: `${DIR}/audio.ffmpeg.m3u8`, time: '2' },
    ]);
    // Each output takes only its own kind of stream.
    const videoOut = args.indexOf('-c:v');
    expect(args.slice(videoOut, videoOut + 5)).toEqual(['-c:v', 'copy', '-an', '-sn', '-dn']);
    const audioMap = args.indexOf('0:1');
    expect(args.slice(audioMap + 1, audioMap + 3)).toEqual(['-c:a', 'copy']);
    expect(args.slice(audioMap + 3, audioMap + 6)).toEqual(['-vn', '-sn', '-dn']);
  });

  it('encodes audio to AAC-LC stereo 48 kHz when it cannot be copied', () => {
    const plan = planProcessing(probeOf({ audio: [aacTrack({ codec: 'mp3', profile: null })] }), [0, 2]);
    const args = instantArgs(SOURCE, plan, DIR);
    const at = args.indexOf('-c:a');
    expect(args.slice(at, at + 10)).toEqual([
      '-c:a',
      'aac',
      '-profile:a',
      'aac_low',
      '-b:a',
      '128k',
      '-ac',
      '2',
      '-ar',
      '48000',
    ]);
  });

  it('writes only audio for an audio-only source, and only video for a silent one', () => {
    const audio = instantArgs(SOURCE, audioOnly, DIR);
    expectSafeInvocation(audio);
    expect(allValuesOf(audio, '-map')).toEqual(['0:0']);
    expect(audio).not.toContain('-c:v');
    expect(cmafOutputs(audio).map((o) => o.file)).toEqual([`${DIR}/${outputs.audio}`]);

    const silent = instantArgs(SOURCE, planProcessing(probeOf({ audio: [] }), EVERY_2S), DIR);
    expect(allValuesOf(silent, '-map')).toEqual(['0:0']);
    expect(silent).not.toContain('-c:a');
    expect(cmafOutputs(silent).map((o) => o.file)).toEqual([`${DIR}/video-1080p.mp4`]);
  });

  it('maps the chosen default audio track first, by its stream index, then every other track', () => {
    const plan = planProcessing(
      probeOf({
        audio: [aacTrack({ index: 1, isDefault: false }), aacTrack({ index: 2, isDefault: true })],
      }),
      EVERY_2S,
    );
    const args = instantArgs(SOURCE, plan, DIR);
    expect(allValuesOf(args, '-map')).toEqual(['0:0', '0:2', '0:1']);
    expect(cmafOutputs(args).map((o) => o.file)).toEqual([
      `${DIR}/video-1080p.mp4`,
      `${DIR}/audio.mp4`,
      `${DIR}/audio-1.mp4`,
    ]);
  });
});

describe('forceKeyframes', () => {
  it('forces one every N seconds as an expression', () => {
    expect(forceKeyframes({ kind: 'every', seconds: 2 })).toBe('expr:gte(t,n_forced*2)');
  });

  it('turns a regular source GOP starting at 0 into an expression', () => {
    expect(forceKeyframes({ kind: 'source', times: [0, 2, 4, 6, 8] })).toBe('expr:gte(t,n_forced*2.000000)');
    expect(forceKeyframes({ kind: 'source', times: [0, 1.001, 2.002, 3.003] })).toBe(
      'expr:gte(t,n_forced*1.001000)',
    );
  });

  it('lists irregular or offset keyframe times', () => {
    expect(forceKeyframes({ kind: 'source', times: [0, 1.5, 4, 4.25] })).toBe(
      '0.000000,1.500000,4.000000,4.250000',
    );
    // A regular GOP that starts late cannot be an expression counted from 0.
    expect(forceKeyframes({ kind: 'source', times: [0.007, 2.007, 4.007] })).toBe(
      '0.007000,2.007000,4.007000',
    );
    expect(forceKeyframes({ kind: 'source', times: [0] })).toBe('0.000000');
  });

  it('falls back to the median gap when a list would be too long for one argument', () => {
    const times = Array.from({ length: 9000 }, (_, i) => i * 2 + (i % 3 === 0 ? 0 : 0.5));
    const value = forceKeyframes({ kind: 'source', times });
    expect(value).toMatch(/^expr:gte\(t,n_forced\*\d+\.\d{6}\)$/);
    expect(value.length).toBeLessThan(100);
    const listed = forceKeyframes({ kind: 'source', times: times.slice(0, 8000) });
    expect(listed.split(',')).toHaveLength(8000);
    expect(Buffer.byteLength(listed)).toBeLessThan(128 * 1024);
  });
});

describe('ladderArgs', () => {
  it('decodes once and splits into every encoded rung plus the storyboard and the poster', () => {
    const args = ladderArgs(SOURCE, passthrough, DIR);
    expectSafeInvocation(args);
    expect(allValuesOf(args, '-i')).toEqual([SOURCE]);
    const graph = valueOf(args, '-filter_complex') ?? '';
    const chains = graph.split(';');
    // 720/480/360/240 encoded (1080 is copied) + storyboard + poster.
    expect(chains[0]).toBe('[0:0]fps=30,split=6[b0][b1][b2][b3][b4][b5]');
    expect(chains.slice(1, 5)).toEqual([
      '[b0]scale=1280:720:flags=bicubic,setsar=1,format=yuv420p[r0]',
      '[b1]scale=854:480:flags=bicubic,setsar=1,format=yuv420p[r1]',
      '[b2]scale=640:360:flags=bicubic,setsar=1,format=yuv420p[r2]',
      '[b3]scale=426:240:flags=bicubic,setsar=1,format=yuv420p[r3]',
    ]);
    expect(chains[5]).toBe('[b4]fps=1/1,scale=160:90,tile=10x3[sb]');
    expect(chains[6]).toBe('[b5]trim=start=3.000:duration=3,thumbnail=n=60,scale=1280:-2,setsar=1[poster]');
    expect(allValuesOf(args, '-map')).toEqual(['[r0]', '[r1]', '[r2]', '[r3]', '[sb]', '[poster]']);
    expect(allValuesOf(args, '-c:v')).toEqual(['libx264', 'libx264', 'libx264', 'libx264']);
    expect(args).not.toContain('copy');
    // Capped CRF: constant quality, the rung's planned bitrate as the cap, a 2 s VBV buffer.
    const rungs = passthrough.video!.rungs.filter((r) => !r.copy);
    expect(args).not.toContain('-b:v');
    expect(allValuesOf(args, '-crf')).toEqual(rungs.map(() => String(LADDER_CRF)));
    expect(allValuesOf(args, '-maxrate')).toEqual(rungs.map((r) => `${r.bitrateKbps}k`));
    expect(allValuesOf(args, '-bufsize')).toEqual(rungs.map((r) => `${r.bitrateKbps * 2}k`));
    expect(allValuesOf(args, '-maxrate')).toEqual(['2350k', '1230k', '690k', '310k']);
    expect(allValuesOf(args, '-preset')).toEqual(Array(4).fill('veryfast'));
    expect(cmafOutputs(args).map((o) => o.file)).toEqual(
      ['720p', '480p', '360p', '240p'].map((n) => `${DIR}/video-${n}.mp4`),
    );
    // Storyboard sheets are numbered from 0; the poster is one picture.
    const sheets = args.indexOf('[sb]') - 1;
    expect(args.slice(sheets, sheets + 9)).toEqual([
      '-map',
      '[sb]',
      '-q:v',
      '5',
      '-f',
      'image2',
      '-start_number',
      '0',
      `${DIR}/storyboard-%d.jpg`,
    ]);
    expect(args.slice(-11)).toEqual([
      '-map',
      '[poster]',
      '-frames:v',
      '1',
      '-q:v',
      '3',
      '-f',
      'image2',
      '-update',
      '1',
      `${DIR}/poster.jpg`,
    ]);
    // Progress for the job comes from stdout.
    expect(valueOf(args, '-progress')).toBe('pipe:1');
  });

  it("puts the encoded rungs' keyframes where the copied rung has them", () => {
    for (const value of allValuesOf(ladderArgs(SOURCE, passthrough, DIR), '-force_key_frames')) {
      expect(value).toBe('expr:gte(t,n_forced*2.000000)');
    }
    const irregular = planProcessing(probeOf({ durationSeconds: 6 }), [0, 1.5, 4]);
    const values = allValuesOf(ladderArgs(SOURCE, irregular, DIR), '-force_key_frames');
    expect(values.length).toBe(4);
    for (const value of values) expect(value).toBe('0.000000,1.500000,4.000000');
    // x264 adds no keyframes of its own: no scene cuts, a GOP longer than any forced gap.
    const args = ladderArgs(SOURCE, passthrough, DIR);
    expect(allValuesOf(args, '-sc_threshold')).toEqual(['0', '0', '0', '0']);
    expect(allValuesOf(args, '-g')).toEqual(['300', '300', '300', '300']);
  });

  it('encodes every rung of a source that cannot pass through, with keyframes every 2 s', () => {
    const args = ladderArgs(SOURCE, encoded, DIR);
    expect(valueOf(args, '-filter_complex')).toMatch(/^\[0:0\]fps=30,split=7\[b0\]/);
    expect(allValuesOf(args, '-map')).toEqual(['[r0]', '[r1]', '[r2]', '[r3]', '[r4]', '[sb]', '[poster]']);
    expect(allValuesOf(args, '-force_key_frames')).toEqual(Array(5).fill('expr:gte(t,n_forced*2)'));
    expect(cmafOutputs(args)[0]?.file).toBe(`${DIR}/video-1080p.mp4`);
    // Output is tagged BT.709 whatever the source said.
    expect(allValuesOf(args, '-colorspace')).toEqual(Array(5).fill('bt709'));
  });

  it('deinterlaces first when the source is interlaced, and converts the frame rate', () => {
    const plan = planProcessing(
      probeOf({ video: h264Video({ interlaced: true, frameRate: 25, averageFrameRate: 25 }) }),
      [0, 2],
    );
    const graph = valueOf(ladderArgs(SOURCE, plan, DIR), '-filter_complex') ?? '';
    expect(graph.startsWith('[0:0]bwdif=mode=send_frame,fps=25,split=7')).toBe(true);
    expect(valueOf(ladderArgs(SOURCE, passthrough, DIR), '-filter_complex')).not.toMatch(/bwdif/);
  });

  it('reads the video stream by its index in the source', () => {
    const plan = planProcessing(probeOf({ video: h264Video({ index: 3, codec: 'vp9' }) }), [0]);
    expect(valueOf(ladderArgs(SOURCE, plan, DIR), '-filter_complex')).toMatch(/^\[0:3\]/);
  });

  it('picks the poster from frames it decodes anyway, never wider than 1280 nor than the video', () => {
    const poster = (plan: ProcessingPlan) =>
      (valueOf(ladderArgs(SOURCE, plan, DIR), '-filter_complex') ?? '').split(';').at(-1);
    const small = planProcessing(probeOf({ video: h264Video({ width: 640, height: 360 }) }), [0, 2]);
    expect(poster(small)).toMatch(/,scale=640:-2,setsar=1\[poster\]$/);
    // 60 candidates at 25 fps need 2.4 s: the window is rounded up and one more second added.
    const pal = planProcessing(
      probeOf({ durationSeconds: 100, video: h264Video({ frameRate: 25, averageFrameRate: 25 }) }),
      [0, 2],
    );
    expect(poster(pal)).toMatch(/^\[b\d\]trim=start=10\.000:duration=4,thumbnail=n=60,/);
  });

  it('has nothing to do for audio only, and refuses to build a ladder for it', () => {
    expect(() => ladderArgs(SOURCE, audioOnly, DIR)).toThrow(/audio-only/);
    const copiedOnly: ProcessingPlan = {
      ...planProcessing(probeOf({ video: h264Video({ width: 320, height: 180 }) }), EVERY_2S),
      storyboard: null,
      posterAtSeconds: null,
    };
    expect(ladderArgs(SOURCE, copiedOnly, DIR)).toEqual([]);
  });
});

describe('keeping video and audio on the source clock', () => {
  /** The output options of each CMAF output: everything between the previous output and its -f hls. */
  function cmafOutputOptions(args: readonly string[]) {
    const ends = args.flatMap((a, i) => (a === '-f' && args[i + 1] === 'hls' ? [i] : []));
    return ends.map((end) => {
      const rest = args.slice(end);
      return {
        offset: args[end - 2] === '-output_ts_offset' ? args[end - 1] : undefined,
        segmentOptions: valueOf(rest, '-hls_segment_options'),
      };
    });
  }

  it('shifts every CMAF output of every ffmpeg run by the same offset, written into the fragments', () => {
    const runs = [
      instantArgs(SOURCE, passthrough, DIR),
      ladderArgs(SOURCE, passthrough, DIR),
      ladderArgs(SOURCE, encoded, DIR),
      audioArgs(SOURCE, encoded, DIR),
      instantArgs(SOURCE, audioOnly, DIR),
    ];
    const options = runs.flatMap(cmafOutputOptions);
    expect(options).toHaveLength(2 + 4 + 5 + 1 + 1);
    for (const o of options) {
      expect(o).toEqual({
        offset: String(MEDIA_TIME_OFFSET_SECONDS),
        segmentOptions: 'movflags=+frag_discont',
      });
    }
    // Large enough for a B-frame delay, AAC priming and a copied GOP cut by an edit list (≤ 4.5 s).
    expect(MEDIA_TIME_OFFSET_SECONDS).toBeGreaterThanOrEqual(5);
  });

  it('reads the renditions as written for the download and moves them back to start at 0', () => {
    const args = downloadArgs(DIR, passthrough.video!.rungs[0], true);
    expect(args.indexOf('-copyts')).toBeGreaterThan(-1);
    expect(args.indexOf('-copyts')).toBeLessThan(args.indexOf('-i'));
    expect(valueOf(args, '-output_ts_offset')).toBe(String(-MEDIA_TIME_OFFSET_SECONDS));
    expect(args.indexOf('-output_ts_offset')).toBeGreaterThan(args.lastIndexOf('-i'));
  });
});

describe('audioArgs, downloadArgs', () => {
  it('encodes or copies the default audio track alone into its CMAF file', () => {
    const args = audioArgs(SOURCE, encoded, DIR);
    expectSafeInvocation(args);
    expect(allValuesOf(args, '-map')).toEqual(['0:2']);
    expect(valueOf(args, '-c:a')).toBe('copy');
    expect(cmafOutputs(args).map((o) => o.playlist)).toEqual([`${DIR}/audio.ffmpeg.m3u8`]);
    expect(audioArgs(SOURCE, planProcessing(probeOf({ audio: [] }), [0]), DIR)).toEqual([]);
  });

  it('remuxes the top rendition and the audio into a faststart MP4 without re-encoding', () => {
    const top = passthrough.video!.rungs[0];
    const both = downloadArgs(DIR, top, true);
    expectSafeInvocation(both);
    expect(allValuesOf(both, '-i')).toEqual([`${DIR}/video-1080p.mp4`, `${DIR}/audio.mp4`]);
    expect(allValuesOf(both, '-map')).toEqual(['0:v:0', '1:a:0']);
    expect(valueOf(both, '-c')).toBe('copy');
    expect(valueOf(both, '-movflags')).toBe('+faststart');
    expect(both.at(-1)).toBe(`${DIR}/download.mp4`);
    expect(allValuesOf(downloadArgs(DIR, undefined, true), '-map')).toEqual(['0:a:0']);
    expect(allValuesOf(downloadArgs(DIR, top, false), '-map')).toEqual(['0:v:0']);
  });
});

describe('real-world sources', () => {
  const hlg = planProcessing(
    probeOf({
      video: h264Video({ codec: 'hevc', profile: 'Main 10', colorTransfer: 'arib-std-b67', bitDepth: 10 }),
    }),
    EVERY_2S,
  );

  it('tone-maps HDR once, at the top rung size, before the split into rungs', () => {
    const graph = valueOf(ladderArgs(SOURCE, hlg, DIR), '-filter_complex') ?? '';
    const [source] = graph.split(';');
    expect(source).toBe(
      '[0:0]fps=30,' +
        'zscale=tin=arib-std-b67:min=bt2020nc:pin=bt2020:rin=tv:t=linear:p=bt2020:npl=203:w=1920:h=1080,' +
        'format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius:param=0.6:desat=0:peak=4.926,' +
        'zscale=t=bt709:m=bt709:r=tv:p=bt709,format=yuv420p,split=7[b0][b1][b2][b3][b4][b5][b6]',
    );
    expect(toneMapFilters({ transfer: 'smpte2084', peakNits: 4000 }, undefined)[3]).toMatch(/peak=19\.704$/);
    expect(graph.match(/tonemap=tonemap/g)).toHaveLength(1);
  });

  it('converts BT.601 colours to BT.709 for the ladder, and tags every output SDR BT.709 limited range', () => {
    const sd = planProcessing(
      probeOf({ video: h264Video({ colorSpace: 'smpte170m', codec: 'mpeg2video' }) }),
      [0],
    );
    expect(valueOf(ladderArgs(SOURCE, sd, DIR), '-filter_complex')).toMatch(
      /^\[0:0\]fps=30,colorspace=all=bt709:iall=bt601-6-525:fast=1,split=/,
    );
    const args = ladderArgs(SOURCE, hlg, DIR);
    expect(allValuesOf(args, '-color_trc')).toEqual(Array(5).fill('bt709'));
    expect(allValuesOf(args, '-color_range')).toEqual(Array(5).fill('tv'));
  });

  it('encodes the first rung fast when the source cannot pass through, with every audio track', () => {
    const args = instantArgs(SOURCE, hlg, DIR);
    expectSafeInvocation(args);
    expect(valueOf(args, '-filter_complex')).toMatch(
      /^\[0:0\]fps=30,zscale=.*,scale=854:480:flags=bicubic,setsar=1,format=yuv420p\[first\]$/,
    );
    expect(valueOf(args, '-filter_complex')).not.toContain('split');
    expect(allValuesOf(args, '-map')).toEqual(['[first]', '0:1']);
    expect(valueOf(args, '-preset')).toBe('superfast');
    // The same capped CRF as the ladder's rung of that size.
    expect(args.slice(args.indexOf('-crf'), args.indexOf('-crf') + 6)).toEqual([
      '-crf',
      String(LADDER_CRF),
      '-maxrate',
      '1230k',
      '-bufsize',
      '2460k',
    ]);
    expect(args).not.toContain('-b:v');
    expect(valueOf(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
    expect(cmafOutputs(args).map((o) => o.file)).toEqual([`${DIR}/video-480p.mp4`, `${DIR}/audio.mp4`]);
  });

  it('pads sound to the picture and applies the loudness gain with a limiter that delays nothing', () => {
    const base = planProcessing(probeOf(), EVERY_2S, { normalizeLoudness: true });
    const audio: AudioPlan = {
      ...base.audio!,
      copy: false,
      align: { startSeconds: 0.1, endSeconds: 6 },
      gainDb: 19,
    };
    expect(audioFilters(audio)).toEqual([
      'aresample=48000:async=1:min_hard_comp=0.01:first_pts=4800',
      'apad=whole_dur=5.900000',
      'volume=19.00dB',
      'alimiter=limit=0.891:level=0:latency=1',
    ]);
    const args = audioArgs(SOURCE, { ...base, audio }, DIR);
    expect(valueOf(args, '-af')).toBe(audioFilters(audio).join(','));
    expect(audioFilters({ ...audio, align: null, gainDb: null })).toEqual([]);
  });

  it('gives sound alone its cover art, else a picture of its waveform, as the poster', () => {
    const cover = planProcessing(
      probeOf({ video: null, audio: [aacTrack({ index: 0 })], coverArtIndex: 1 }),
      [],
    );
    const coverArgs = audioPosterArgs(SOURCE, cover, DIR);
    expectSafeInvocation(coverArgs);
    expect(valueOf(coverArgs, '-filter_complex')).toMatch(
      /^\[0:1\]scale=1280:720:force_original_aspect_ratio=decrease/,
    );
    expect(coverArgs.at(-1)).toBe(`${DIR}/poster.jpg`);
    expect(valueOf(audioPosterArgs(SOURCE, audioOnly, DIR), '-filter_complex')).toMatch(
      /^\[0:0\]showwavespic=s=1280x720:/,
    );
    expect(audioPosterArgs(SOURCE, passthrough, DIR)).toEqual([]);
  });

  it('caps constant quality at the planned bitrate of the rung, with a buffer of 2 s at that rate', () => {
    const rung = { name: '720p', width: 1280, height: 720, bitrateKbps: 2350, copy: false };
    expect(rateControl(rung)).toEqual({ crf: LADDER_CRF, maxrateKbps: 2350, bufsizeKbits: 4700 });
    expect(LADDER_CRF).toBeGreaterThanOrEqual(18);
    expect(LADDER_CRF).toBeLessThanOrEqual(23);
  });
});
