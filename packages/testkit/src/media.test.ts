import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  SAMPLE_CATALOGUE,
  SAMPLE_NAMES,
  buildClipArgs,
  buildSampleSteps,
  clipFacts,
  generate,
  sample,
  type ClipSpec,
  type PixFmt,
  type SampleFacts,
  type VideoCodec,
} from './media.ts';

const execFileAsync = promisify(execFile);
const GENERATION_TIMEOUT = 120_000;

interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  field_order?: string;
  disposition?: { attached_pic?: number };
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

interface Probe {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string };
}

async function ffprobe<T>(args: string[]): Promise<T | null> {
  try {
    const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-print_format', 'json', ...args]);
    return JSON.parse(stdout) as T;
  } catch {
    return null;
  }
}

async function decodes(path: string): Promise<boolean> {
  try {
    await execFileAsync('ffmpeg', ['-nostdin', '-v', 'error', '-i', path, '-map', '0', '-f', 'null', '-']);
    return true;
  } catch {
    return false;
  }
}

function rate(fraction: string | undefined): number | null {
  const [num, den] = (fraction ?? '').split('/').map(Number);
  return num && den ? num / den : null;
}

/** Reads a file's facts back from ffprobe, for comparison with the declared ones. */
async function observe(path: string): Promise<SampleFacts> {
  const invalid = SAMPLE_CATALOGUE.empty.facts;
  const probe = await ffprobe<Probe>(['-show_streams', '-show_format', path]);
  const streams = probe?.streams ?? [];
  const pictures = streams.filter((s) => s.codec_type === 'video' && s.disposition?.attached_pic === 1);
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.filter((s) => s.codec_type === 'audio');
  if (!probe || (!video && audio.length === 0) || !(await decodes(path))) return invalid;

  const durationSec = Number(probe.format?.duration);
  let vfr = false;
  let gopSec: number | null = null;
  if (video) {
    const packets = await ffprobe<{ packets: { pts_time: string; flags: string }[] }>([
      ...['-select_streams', String(video.index), '-show_entries', 'packet=pts_time,flags', path],
    ]);
    const all = packets?.packets ?? [];
    const times = all.map((p) => Number(p.pts_time)).sort((a, b) => a - b);
    const deltas = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    vfr = Math.max(...deltas) / Math.min(...deltas) > 1.5;
    const keys = all.filter((p) => p.flags.includes('K')).map((p) => Number(p.pts_time));
    gopSec = keys.length > 1 ? (keys[1] ?? 0) - (keys[0] ?? 0) : durationSec;
  }
  const rotation = video?.side_data_list?.find((d) => d.side_data_type === 'Display Matrix')?.rotation ?? 0;
  const formats = (probe.format?.format_name ?? '').split(',');
  const tag = video?.codec_tag_string;
  return {
    valid: true,
    container: (['mp4', 'webm', 'mp3'] as const).find((c) => formats.includes(c)) ?? null,
    durationSec,
    hasVideo: video !== undefined,
    hasAudio: audio.length > 0,
    audioTracks: audio.length,
    videoCodec: (video?.codec_name as VideoCodec | undefined) ?? null,
    codecTag: tag && /^[a-z0-9]{4}$/.test(tag) ? tag : null,
    audioCodec: (audio[0]?.codec_name as SampleFacts['audioCodec'] | undefined) ?? null,
    width: video?.width ?? null,
    height: video?.height ?? null,
    fps: rate(video?.r_frame_rate),
    rotation: ((rotation % 360) + 360) % 360,
    pixFmt: (video?.pix_fmt as PixFmt | undefined) ?? null,
    bitDepth: video ? (video.pix_fmt?.includes('10') ? 10 : 8) : null,
    vfr,
    interlaced: ['tt', 'bb', 'tb', 'bt'].includes(video?.field_order ?? ''),
    gopSec,
    coverArt: pictures.length > 0,
  };
}

function expectFacts(observed: SampleFacts, expected: SampleFacts): void {
  const { durationSec, gopSec, ...rest } = observed;
  const { durationSec: expectedDuration, gopSec: expectedGop, ...expectedRest } = expected;
  expect(rest).toEqual(expectedRest);
  for (const [got, want] of [
    [durationSec, expectedDuration],
    [gopSec, expectedGop],
  ]) {
    if (want === null || want === undefined) expect(got).toBeNull();
    else expect(Math.abs((got ?? NaN) - want)).toBeLessThan(0.15);
  }
}

describe('sample catalogue', () => {
  it.each(SAMPLE_NAMES)('%s matches its declared facts', { timeout: GENERATION_TIMEOUT }, async (name) => {
    const path = await sample(name);
    expect(path).toMatch(/\.tmp\/testmedia\//);
    expectFacts(await observe(path), SAMPLE_CATALOGUE[name].facts);
  });

  it('returns the cached file on later calls', async () => {
    const [a, b] = await Promise.all([sample('no-audio'), sample('no-audio')]);
    expect(a).toBe(b);
    expect(await sample('no-audio')).toBe(a);
  });
});

describe('generate', () => {
  it('makes a custom clip', { timeout: GENERATION_TIMEOUT }, async () => {
    const spec: ClipSpec = { width: 320, height: 240, durationSec: 2, fps: 25, gopSec: 1, audioTracks: 0 };
    expectFacts(await observe(await generate(spec)), clipFacts(spec));
  });

  it('rejects odd sizes in 4:2:0', async () => {
    await expect(generate({ width: 641, height: 361 })).rejects.toThrow(/odd sizes need pixFmt yuv444p/);
  });

  it('reports the ffmpeg command and its stderr when ffmpeg fails', async () => {
    await expect(generate({ fps: 0, durationSec: 1 })).rejects.toThrow(
      /ffmpeg failed \(exit 1\).*testsrc2[^]*\n.+/,
    );
  });

  it('says how to install ffmpeg when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(generate({ width: 64, height: 64, durationSec: 0.5 })).rejects.toThrow(
        /ensure-system-deps\.sh/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('command builders', () => {
  it('builds the baseline as one ffmpeg call: fixed 2 s GOP, faststart', () => {
    const steps = buildSampleSteps('h264-aac-720p', '/out/a.mp4');
    expect(steps).toHaveLength(1);
    const [step] = steps;
    expect(step?.op).toBe('ffmpeg');
    const args = step?.op === 'ffmpeg' ? step.args : [];
    expect(args).toEqual(
      expect.arrayContaining(['testsrc2=size=1280x720:rate=30:duration=4,format=yuv420p']),
    );
    expect(args.join(' ')).toContain('-g 60 -keyint_min 60 -sc_threshold 0');
    expect(args.join(' ')).toContain('-movflags +faststart');
    expect(args.at(-1)).toBe('/out/a.mp4');
  });

  it('is pure', () => {
    for (const name of SAMPLE_NAMES) {
      expect(buildSampleSteps(name, '/out/x')).toEqual(buildSampleSteps(name, '/out/x'));
    }
  });

  it('cuts the truncated sample from an mp4 whose moov is at the end', () => {
    const steps = buildSampleSteps('truncated', '/out/t.mp4');
    expect(steps.at(-1)).toEqual({ op: 'truncate', path: '/out/t.mp4', fraction: 0.4 });
    expect(JSON.stringify(steps)).not.toContain('faststart');
  });

  it('maps every audio track and tags its language', () => {
    const args = buildClipArgs({ audioTracks: 2 }, '/out/x.mp4').join(' ');
    expect(args).toContain('-map 0:v -map 1:a -map 2:a');
    expect(args).toContain('-metadata:s:a:0 language=eng -metadata:s:a:1 language=fra');
  });
});
