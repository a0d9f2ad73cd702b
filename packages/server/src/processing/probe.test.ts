import { SAMPLE_CATALOGUE, SAMPLE_NAMES, sample, type SampleName } from '@kino/testkit/media';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyframeTimes, parseKeyframeTimes, probeArgs, probeFile } from './probe-file.ts';
import { MediaRejectedError, parseProbe } from './probe.ts';
import type { ProbeResult } from './probe-result.ts';

const VALID = SAMPLE_NAMES.filter((n) => SAMPLE_CATALOGUE[n].facts.valid);
const EXPECTED_REJECTION: Partial<Record<SampleName, 'unsupported_media' | 'corrupt_media'>> = {
  truncated: 'corrupt_media',
  'not-a-video': 'unsupported_media',
  empty: 'unsupported_media',
};

async function rejection(promise: Promise<unknown>): Promise<MediaRejectedError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof MediaRejectedError) return err;
    throw err;
  }
  throw new Error('expected the media to be rejected');
}

function rejectionOf(fn: () => unknown): MediaRejectedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MediaRejectedError) return err;
    throw err;
  }
  throw new Error('expected the media to be rejected');
}

describe('probeFile on every catalogue sample', () => {
  const files = new Map<SampleName, string>();
  beforeAll(async () => {
    for (const name of SAMPLE_NAMES) files.set(name, await sample(name));
  }, 300_000);

  it('covers the whole catalogue', () => {
    expect([...VALID, ...Object.keys(EXPECTED_REJECTION)].sort()).toEqual([...SAMPLE_NAMES].sort());
  });

  it.each(VALID)('%s: the probe agrees with the sample facts', async (name) => {
    const facts = SAMPLE_CATALOGUE[name].facts;
    const probe: ProbeResult = await probeFile(files.get(name)!);

    expect(probe.formatName.split(',')).toContain(facts.container);
    expect(probe.durationSeconds).toBeGreaterThan(0);
    expect(Math.abs(probe.durationSeconds - facts.durationSec!)).toBeLessThan(0.1);
    expect(probe.audio).toHaveLength(facts.audioTracks);
    for (const track of probe.audio) {
      expect(track.codec).toBe(facts.audioCodec);
      expect(track.channels).toBe(2);
      expect([44100, 48000]).toContain(track.sampleRate);
    }
    if (!facts.hasVideo) {
      // Cover art is a picture, not video.
      expect(probe.video).toBeNull();
      return;
    }
    const video = probe.video!;
    expect(video).not.toBeNull();
    expect(video.codec).toBe(facts.videoCodec);
    expect({ width: video.width, height: video.height }).toEqual({
      width: facts.width,
      height: facts.height,
    });
    expect(video.pixelFormat).toBe(facts.pixFmt);
    expect(video.bitDepth).toBe(facts.bitDepth);
    expect(video.frameRate).toBeCloseTo(facts.fps!, 3);
    expect(video.variableFrameRate).toBe(facts.vfr);
    expect(video.interlaced).toBe(facts.interlaced);
    // The catalogue states ffprobe's counter-clockwise angle; the probe reports clockwise.
    expect(video.rotation).toBe((360 - facts.rotation) % 360);
    const quarter = video.rotation === 90 || video.rotation === 270;
    expect({ width: video.displayWidth, height: video.displayHeight }).toEqual(
      quarter ? { width: facts.height, height: facts.width } : { width: facts.width, height: facts.height },
    );
    expect(video.sampleAspectRatio).toBe(1);
  });

  it.each(VALID.filter((n) => SAMPLE_CATALOGUE[n].facts.hasVideo))(
    '%s: keyframes are found where the sample put them',
    async (name) => {
      const facts = SAMPLE_CATALOGUE[name].facts;
      const times = await keyframeTimes(files.get(name)!);
      expect(times[0]).toBeLessThan(0.1);
      const gop = times.length > 1 ? times[1]! - times[0]! : facts.durationSec!;
      expect(gop).toBeCloseTo(facts.gopSec!, 1);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    },
  );

  it('reads the default track and languages of a two-track file', async () => {
    const probe = await probeFile(files.get('two-audio-tracks')!);
    expect(probe.audio.map((a) => [a.language, a.isDefault])).toEqual([
      ['eng', true],
      ['fra', false],
    ]);
  });

  it.each(Object.entries(EXPECTED_REJECTION))('%s is rejected as %s', async (name, code) => {
    const err = await rejection(probeFile(files.get(name as SampleName)!));
    expect(err.code).toBe(code);
    expect(err.message.length).toBeGreaterThan(10);
  });

  it('rejects a file that does not exist as unreadable, not as damaged', async () => {
    const err = await rejection(probeFile('/nonexistent/kino-probe-test.mp4'));
    expect(err.code).toBe('unsupported_media');
  });

  it('never lets ffprobe follow another protocol from inside a file', () => {
    const args = probeArgs('/tmp/x.m3u8');
    expect(args[args.indexOf('-protocol_whitelist') + 1]).toBe('file,pipe');
    expect(args.at(-1)).toBe('/tmp/x.m3u8');
  });
});

describe('parseProbe', () => {
  const format = {
    format_name: 'mov,mp4,m4a,3gp,3g2,mj2',
    duration: '10.000000',
    size: '1000',
    bit_rate: '800',
  };
  const h264 = {
    index: 0,
    codec_type: 'video',
    codec_name: 'h264',
    profile: 'High',
    width: 1920,
    height: 1080,
    pix_fmt: 'yuv420p',
    r_frame_rate: '30000/1001',
    avg_frame_rate: '30000/1001',
    bit_rate: '5000000',
    level: 40,
    disposition: { default: 1, attached_pic: 0 },
  };
  const aac = {
    index: 1,
    codec_type: 'audio',
    codec_name: 'aac',
    profile: 'LC',
    channels: 2,
    sample_rate: '48000',
    tags: { language: 'und' },
    disposition: { default: 1 },
  };

  it('turns ffprobe JSON into the facts planning needs', () => {
    const probe = parseProbe({ streams: [h264, aac], format });
    expect(probe).toMatchObject({
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSeconds: 10,
      sizeBytes: 1000,
      bitrate: 800,
      video: {
        index: 0,
        codec: 'h264',
        bitDepth: 8,
        chroma: '420',
        width: 1920,
        height: 1080,
        displayWidth: 1920,
        displayHeight: 1080,
        rotation: 0,
        variableFrameRate: false,
        interlaced: false,
        bitrate: 5_000_000,
        level: 40,
      },
      audio: [{ index: 1, codec: 'aac', channels: 2, sampleRate: 48000, language: null, isDefault: true }],
    });
    expect(probe.video?.frameRate).toBeCloseTo(29.97, 2);
  });

  it.each([
    [[{ rotation: -90 }], undefined, 90],
    [[{ rotation: 90 }], undefined, 270],
    [[{ rotation: 180 }], undefined, 180],
    [[{ rotation: -180 }], undefined, 180],
    [undefined, '90', 90],
    [undefined, '270', 270],
    [[{ rotation: -89.9 }], undefined, 90],
  ])('display matrix %j / rotate tag %s: %i° clockwise', (sideData, tag, clockwise) => {
    const stream = {
      ...h264,
      ...(sideData && { side_data_list: sideData }),
      ...(tag && { tags: { rotate: tag } }),
    };
    const video = parseProbe({ streams: [stream], format }).video!;
    expect(video.rotation).toBe(clockwise);
    const quarter = clockwise % 180 === 90;
    expect([video.displayWidth, video.displayHeight]).toEqual(quarter ? [1080, 1920] : [1920, 1080]);
  });

  it('widens anamorphic pixels to their display size', () => {
    const video = parseProbe({
      streams: [{ ...h264, width: 720, height: 576, sample_aspect_ratio: '16:11' }],
      format,
    }).video!;
    expect(video.sampleAspectRatio).toBeCloseTo(16 / 11, 6);
    expect([video.displayWidth, video.displayHeight]).toEqual([1047, 576]);
  });

  it('tells 10-bit, 4:4:4 and interlaced streams apart', () => {
    const parse = (extra: Record<string, unknown>) =>
      parseProbe({ streams: [{ ...h264, ...extra }], format }).video!;
    expect(parse({ pix_fmt: 'yuv420p10le' })).toMatchObject({ bitDepth: 10, chroma: '420' });
    expect(parse({ pix_fmt: 'yuv444p' })).toMatchObject({ bitDepth: 8, chroma: '444' });
    expect(parse({ pix_fmt: 'yuvj420p' })).toMatchObject({ bitDepth: 8, chroma: '420' });
    expect(parse({ pix_fmt: 'gbrp', bits_per_raw_sample: '12' })).toMatchObject({
      bitDepth: 12,
      chroma: null,
    });
    for (const order of ['tt', 'bb', 'tb', 'bt']) expect(parse({ field_order: order }).interlaced).toBe(true);
    expect(parse({ field_order: 'progressive' }).interlaced).toBe(false);
    expect(parse({ avg_frame_rate: '24/1', r_frame_rate: '30/1' }).variableFrameRate).toBe(true);
    expect(parse({ avg_frame_rate: '0/0' })).toMatchObject({
      averageFrameRate: null,
      variableFrameRate: false,
    });
  });

  it('reads start times, track titles, HDR light levels and where the cover art is', () => {
    const probe = parseProbe({
      streams: [
        {
          ...h264,
          start_time: '0.033000',
          color_transfer: 'smpte2084',
          side_data_list: [{ side_data_type: 'Mastering display metadata', max_luminance: '40000000/10000' }],
        },
        { ...aac, start_time: '-0.021333', duration: '9.9', tags: { language: 'fra', title: ' Director ' } },
        { ...h264, index: 2, codec_name: 'mjpeg', disposition: { attached_pic: 1 } },
      ],
      format: { ...format, start_time: '-0.021333' },
    });
    expect(probe.startTime).toBeCloseTo(-0.021333, 6);
    expect(probe.video).toMatchObject({ startTime: 0.033, peakLuminance: 4000, colorTransfer: 'smpte2084' });
    expect(probe.audio[0]).toMatchObject({ startTime: -0.021333, durationSeconds: 9.9, title: 'Director' });
    expect(probe.coverArtIndex).toBe(2);
    const cll = parseProbe({
      streams: [
        { ...h264, side_data_list: [{ side_data_type: 'Content light level metadata', max_content: 1200 }] },
      ],
      format,
    });
    expect(cll.video?.peakLuminance).toBe(1200);
    expect(parseProbe({ streams: [h264, aac], format })).toMatchObject({
      startTime: null,
      coverArtIndex: null,
      video: { peakLuminance: null, startTime: null },
      audio: [{ title: null }],
    });
  });

  it('ignores cover art and falls back to stream durations', () => {
    const cover = { ...h264, codec_name: 'mjpeg', disposition: { attached_pic: 1 } };
    const probe = parseProbe({
      streams: [cover, { ...aac, duration: '4.5' }],
      format: { format_name: 'mp3' },
    });
    expect(probe.video).toBeNull();
    expect(probe.durationSeconds).toBe(4.5);
  });

  it('rejects a picture larger than Kino accepts as unsupported, saying the maximum', () => {
    const huge = rejectionOf(() =>
      parseProbe({ streams: [{ ...h264, width: 15360, height: 15360 }, aac], format }),
    );
    expect(huge.code).toBe('unsupported_media');
    expect(huge.message).toMatch(/15360×15360.*8192/);
    const fast = { ...h264, r_frame_rate: '1000/1', avg_frame_rate: '1000/1' };
    expect(rejectionOf(() => parseProbe({ streams: [fast], format })).code).toBe('unsupported_media');
  });

  it('rejects what holds nothing playable as unsupported, and a missing duration as corrupt', () => {
    expect(rejectionOf(() => parseProbe('not json at all')).code).toBe('unsupported_media');
    expect(rejectionOf(() => parseProbe({ streams: [] })).code).toBe('unsupported_media');
    expect(rejectionOf(() => parseProbe({ streams: [], format })).code).toBe('unsupported_media');
    const subtitles = { index: 0, codec_type: 'subtitle', codec_name: 'mov_text' };
    expect(rejectionOf(() => parseProbe({ streams: [subtitles], format })).code).toBe('unsupported_media');
    const cover = { ...h264, disposition: { attached_pic: 1 } };
    expect(rejectionOf(() => parseProbe({ streams: [cover], format })).code).toBe('unsupported_media');
    expect(
      rejectionOf(() => parseProbe({ streams: [h264], format: { format_name: 'mp4', duration: 'N/A' } }))
        .code,
    ).toBe('corrupt_media');
  });
});

describe('parseKeyframeTimes', () => {
  it("keeps the keyframes' times from ffprobe's packet list, in order", () => {
    const csv = [
      '0.000000,K__',
      '0.033333,___',
      '4.000000,K_D',
      '2.000000,K__',
      'N/A,K__',
      '',
      '6.5,__',
    ].join('\n');
    expect(parseKeyframeTimes(csv)).toEqual([0, 2, 4]);
    expect(parseKeyframeTimes('')).toEqual([]);
  });
});
