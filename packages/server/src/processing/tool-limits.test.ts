import { describe, expect, it } from 'vitest';
import { demuxerOf, UNTRUSTED_INPUT } from './input-format.ts';
import {
  confinedCommand,
  cpuLimitSeconds,
  packetScanLimits,
  PROBE_LIMITS,
  processingLimits,
  relativeToWorkdir,
  withinAttempt,
  type Sandbox,
} from './tool-limits.ts';

const FULL: Sandbox = {
  prlimit: '/usr/bin/prlimit',
  setpriv: '/usr/bin/setpriv',
  user: { name: 'kino-media', uid: 998, gid: 997 },
};

describe('confinedCommand', () => {
  it('limits resources with prlimit, then drops to the media user with the parent-death signal set again', () => {
    expect(confinedCommand('ffmpeg', ['-i', 'source'], PROBE_LIMITS, FULL)).toEqual({
      file: '/usr/bin/prlimit',
      args: [
        '--cpu=300',
        `--as=${2 * 1024 ** 3}`,
        '--nofile=64',
        `--fsize=${16 * 1024 ** 2}`,
        '--',
        '/usr/bin/setpriv',
        '--reuid=998',
        '--regid=997',
        '--clear-groups',
        '--no-new-privs',
        '--pdeathsig',
        'KILL',
        '--',
        'ffmpeg',
        '-i',
        'source',
      ],
    });
  });

  it('keeps the user when asked to, or when there is no media user', () => {
    const kept = confinedCommand('ffprobe', ['x'], PROBE_LIMITS, FULL, { asUser: false });
    expect(kept.args).not.toContain('/usr/bin/setpriv');
    expect(confinedCommand('ffprobe', ['x'], PROBE_LIMITS, { ...FULL, user: null }).args.slice(-3)).toEqual([
      '--',
      'ffprobe',
      'x',
    ]);
  });

  it('runs the tool as it is where util-linux is missing (a developer laptop)', () => {
    expect(
      confinedCommand('ffprobe', ['-version'], PROBE_LIMITS, { prlimit: null, setpriv: null, user: null }),
    ).toEqual({
      file: 'ffprobe',
      args: ['-version'],
    });
  });
});

describe('processingLimits', () => {
  it('grows with duration, picture size, frame rate and the rungs encoded, and always allows the source to be copied', () => {
    const hd = {
      durationSeconds: 600,
      sizeBytes: 800e6,
      pixels: 1920 * 1080,
      frameRate: 30,
      maxOutputKbps: 5000,
      encodedRungPixels: [1280 * 720],
    };
    const limits = processingLimits(hd, 2);
    // 4 × (0.1 + 0.5 decoding 1080p30 + 2 × 4/9 encoding 720p30) per second of video.
    expect(limits.cpuSeconds).toBe(Math.ceil(120 + 4 * 600 * (0.1 + 0.5 + (2 * 4) / 9)));
    expect(limits.fileSizeBytes).toBeGreaterThanOrEqual(2 * 800e6);
    expect(limits.addressSpaceBytes).toBeGreaterThan(2 * 1024 ** 3);
    const uhd = processingLimits({ ...hd, pixels: 3840 * 2160, frameRate: 60 }, 2);
    expect(uhd.cpuSeconds).toBe(Math.ceil(120 + 4 * 600 * (0.1 + 0.5 * 8 + ((2 * 4) / 9) * 2)));
    expect(uhd.addressSpaceBytes).toBeGreaterThan(limits.addressSpaceBytes);
    const ladder = processingLimits({ ...hd, encodedRungPixels: [1920 * 1080, 1280 * 720] }, 2);
    expect(ladder.cpuSeconds - limits.cpuSeconds).toBe(4 * 600 * 2);
    // A small, very compressed source still has room for its encoded renditions.
    const small = processingLimits({ ...hd, sizeBytes: 10e6, durationSeconds: 4 * 3600 }, 2);
    expect(small.fileSizeBytes).toBeGreaterThan(((5000 * 1000) / 8) * 1.5 * 4 * 3600);
  });

  it('grows no further than the largest picture and frame rate Kino accepts, whatever a file declares', () => {
    const eightK = {
      durationSeconds: 60,
      sizeBytes: 4096,
      pixels: 8192 * 4320,
      frameRate: 240,
      maxOutputKbps: 5000,
      encodedRungPixels: [8192 * 4320],
    };
    const bounded = processingLimits(eightK, 2);
    // A 4 KB file whose H.264 header claims 15360×15360 at a million frames a second.
    const declared = { ...eightK, pixels: 15360 * 15360, frameRate: 1e6, encodedRungPixels: [15360 * 15360] };
    expect(processingLimits(declared, 2)).toEqual(bounded);
    expect(cpuLimitSeconds(declared)).toBe(cpuLimitSeconds(eightK));
    expect(bounded.addressSpaceBytes).toBeLessThan(20 * 1024 ** 3);
  });

  it('gives the packet scan more CPU for more bytes, and caps a tool at what its attempt allows', () => {
    expect(packetScanLimits(0).cpuSeconds).toBe(PROBE_LIMITS.cpuSeconds);
    expect(packetScanLimits(10 * 1024 ** 3).cpuSeconds).toBe(PROBE_LIMITS.cpuSeconds + 2560);
    const limits = { ...PROBE_LIMITS, cpuSeconds: 100_000 };
    expect(withinAttempt(limits, 1800_000).cpuSeconds).toBe(3600);
    expect(withinAttempt(limits, 1800_000, 4).cpuSeconds).toBe(7200);
    expect(withinAttempt(PROBE_LIMITS, 1800_000)).toEqual(PROBE_LIMITS);
  });
});

describe('relativeToWorkdir', () => {
  it('makes paths inside the work folder relative and leaves the rest', () => {
    expect(
      relativeToWorkdir(
        [
          '-i',
          '/data/work/j-1/source',
          '-f',
          'hls',
          '/data/work/j-1/sub/a.vtt',
          '/data/work/j-10/x',
          'scale=2:2',
          '/etc/x',
        ],
        '/data/work/j-1',
      ),
    ).toEqual(['-i', './source', '-f', 'hls', './sub/a.vtt', '/data/work/j-10/x', 'scale=2:2', '/etc/x']);
  });
});

describe('input formats', () => {
  it('names the demuxer to force for the formats Kino reads, and none for the others', () => {
    expect(demuxerOf('mov,mp4,m4a,3gp,3g2,mj2')).toBe('mov');
    expect(demuxerOf('matroska,webm')).toBe('matroska');
    expect(demuxerOf('mp3')).toBe('mp3');
    for (const refused of [
      'hls',
      'concat',
      'image2',
      'jpeg_pipe',
      'lavfi',
      'tty',
      'ffmetadata',
      'sdp',
      'rtp',
      'mpegvideo',
    ]) {
      expect(demuxerOf(refused), refused).toBeNull();
    }
  });

  it('allows the file and pipe protocols and no playlist demuxer', () => {
    expect(UNTRUSTED_INPUT.slice(0, 2)).toEqual(['-protocol_whitelist', 'file,pipe']);
    expect(UNTRUSTED_INPUT[3]?.split(',')).not.toContain('hls');
  });
});
