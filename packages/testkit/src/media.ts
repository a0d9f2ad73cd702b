import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export type VideoCodec = 'h264' | 'hevc' | 'vp9';
export type PixFmt = 'yuv420p' | 'yuv420p10le' | 'yuv444p';

/** A synthetic clip: testsrc2 video and sine tones, every `gopSec` a keyframe. */
export interface ClipSpec {
  width?: number; // default 640
  height?: number; // default 360
  durationSec?: number; // default 3
  fps?: number; // default 30
  codec?: VideoCodec | 'none'; // default h264; 'none' makes an audio-only .m4a
  pixFmt?: PixFmt; // default yuv420p
  audioTracks?: number; // default 1; 0 for no audio
  gopSec?: number; // default 2
  faststart?: boolean; // default true (mp4 only: moov before mdat)
}

/** What ffprobe should report for a file. */
export interface SampleFacts {
  /** false: ffprobe fails or finds no decodable stream. */
  valid: boolean;
  /** One of the names in ffprobe's format_name. */
  container: 'mp4' | 'webm' | 'mp3' | null;
  /** Approximate; container duration. */
  durationSec: number | null;
  /** A real video stream; an attached cover picture does not count. */
  hasVideo: boolean;
  hasAudio: boolean;
  audioTracks: number;
  videoCodec: VideoCodec | null;
  /** mp4 sample entry of the video stream, e.g. hvc1. */
  codecTag: string | null;
  audioCodec: 'aac' | 'mp3' | 'opus' | null;
  /** Stored pixels, before rotation. */
  width: number | null;
  height: number | null;
  /** Nominal frame rate (ffprobe r_frame_rate). */
  fps: number | null;
  /** Display-matrix rotation as ffprobe reports it (counter-clockwise degrees), 0..359. */
  rotation: number;
  pixFmt: PixFmt | null;
  bitDepth: 8 | 10 | null;
  vfr: boolean;
  interlaced: boolean;
  /** Seconds between the first two keyframes (or the duration if there is only one). */
  gopSec: number | null;
  coverArt: boolean;
}

export const SAMPLE_NAMES = [
  'h264-aac-720p',
  'h264-aac-1080p',
  'portrait-1080x1920',
  'rotated-90',
  'odd-size-641x361',
  'vfr',
  'no-audio',
  'audio-only-m4a',
  'audio-only-mp3-cover-art',
  'h264-10bit',
  'hevc-main10',
  'hevc-8bit',
  'interlaced',
  'two-audio-tracks',
  'audio-late',
  'long-gop-10s',
  'vp9-webm',
  'truncated',
  'not-a-video',
  'empty',
] as const;

export type SampleName = (typeof SAMPLE_NAMES)[number];

/** One action of a recipe; paths are absolute. */
export type Step =
  | { op: 'ffmpeg'; args: string[] }
  | { op: 'truncate'; path: string; fraction: number }
  | { op: 'write'; path: string; data: string }
  /** Writes `to` as `rewrite` makes it from `from`; `label` names the change in the cache key. */
  | { op: 'rewrite'; from: string; to: string; label: string; rewrite: (bytes: Buffer) => Uint8Array };

interface Recipe {
  description: string;
  ext: string;
  facts: SampleFacts;
  steps: (outPath: string) => Step[];
}

/** Extra filters and flags for the few samples a plain clip cannot express. */
interface Tweak {
  sourceFps?: number;
  videoFilter?: string;
  videoArgs?: string[];
}

const FFMPEG_PREFIX = ['-nostdin', '-hide_banner', '-v', 'error', '-y'];
const LANGUAGES = ['eng', 'fra', 'deu', 'spa'];

const INVALID: SampleFacts = {
  valid: false,
  container: null,
  durationSec: null,
  hasVideo: false,
  hasAudio: false,
  audioTracks: 0,
  videoCodec: null,
  codecTag: null,
  audioCodec: null,
  width: null,
  height: null,
  fps: null,
  rotation: 0,
  pixFmt: null,
  bitDepth: null,
  vfr: false,
  interlaced: false,
  gopSec: null,
  coverArt: false,
};

function withDefaults(spec: ClipSpec): Required<ClipSpec> {
  const s: Required<ClipSpec> = {
    width: spec.width ?? 640,
    height: spec.height ?? 360,
    durationSec: spec.durationSec ?? 3,
    fps: spec.fps ?? 30,
    codec: spec.codec ?? 'h264',
    pixFmt: spec.pixFmt ?? 'yuv420p',
    audioTracks: spec.audioTracks ?? 1,
    gopSec: spec.gopSec ?? 2,
    faststart: spec.faststart ?? true,
  };
  if (s.pixFmt !== 'yuv444p' && (s.width % 2 !== 0 || s.height % 2 !== 0)) {
    throw new Error(`${s.width}x${s.height}: odd sizes need pixFmt yuv444p (4:2:0 needs even sizes)`);
  }
  if (s.codec === 'none' && s.audioTracks === 0) throw new Error('a clip needs video or audio');
  return s;
}

function clipExtension(spec: ClipSpec): string {
  const { codec } = withDefaults(spec);
  return codec === 'vp9' ? 'webm' : codec === 'none' ? 'm4a' : 'mp4';
}

export function clipFacts(spec: ClipSpec): SampleFacts {
  const s = withDefaults(spec);
  const video = s.codec !== 'none';
  return {
    valid: true,
    container: s.codec === 'vp9' ? 'webm' : 'mp4',
    durationSec: s.durationSec,
    hasVideo: video,
    hasAudio: s.audioTracks > 0,
    audioTracks: s.audioTracks,
    videoCodec: s.codec === 'none' ? null : s.codec,
    codecTag: s.codec === 'h264' ? 'avc1' : s.codec === 'hevc' ? 'hvc1' : null,
    audioCodec: s.audioTracks === 0 ? null : s.codec === 'vp9' ? 'opus' : 'aac',
    width: video ? s.width : null,
    height: video ? s.height : null,
    fps: video ? s.fps : null,
    rotation: 0,
    pixFmt: video ? s.pixFmt : null,
    bitDepth: video ? (s.pixFmt === 'yuv420p10le' ? 10 : 8) : null,
    vfr: false,
    interlaced: false,
    gopSec: video ? Math.min(s.gopSec, s.durationSec) : null,
    coverArt: false,
  };
}

function videoCodecArgs(s: Required<ClipSpec>): string[] {
  const gop = String(Math.round(s.gopSec * s.fps));
  // A fixed GOP: no shorter intervals and no extra keyframes at scene changes.
  const gopArgs = ['-g', gop, '-keyint_min', gop, '-sc_threshold', '0'];
  switch (s.codec) {
    case 'h264':
      return ['-c:v', 'libx264', '-preset', 'superfast', '-crf', '30', '-pix_fmt', s.pixFmt, ...gopArgs];
    case 'hevc':
      return [
        ...['-c:v', 'libx265', '-preset', 'ultrafast', '-crf', '32', '-pix_fmt', s.pixFmt, ...gopArgs],
        ...['-x265-params', 'log-level=error:scenecut=0'],
        // Apple players only accept hvc1 (parameter sets in the sample entry); ffmpeg defaults to hev1.
        ...['-tag:v', 'hvc1'],
      ];
    case 'vp9':
      return [
        ...['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1'],
        ...['-b:v', '0', '-crf', '40', '-pix_fmt', s.pixFmt, ...gopArgs],
      ];
    case 'none':
      return [];
  }
}

/** ffmpeg arguments (without the program name) that write a synthetic clip to `outPath`. */
export function buildClipArgs(spec: ClipSpec, outPath: string): string[] {
  return clipArgs(spec, outPath, {});
}

function clipArgs(spec: ClipSpec, outPath: string, tweak: Tweak): string[] {
  const s = withDefaults(spec);
  const video = s.codec !== 'none';
  const args = [...FFMPEG_PREFIX];
  if (video) {
    const source = `testsrc2=size=${s.width}x${s.height}:rate=${tweak.sourceFps ?? s.fps}:duration=${s.durationSec}`;
    // The pixel format is set inside the graph: converting to 4:2:0 later would round odd sizes down.
    const graph = [source, tweak.videoFilter, `format=${s.pixFmt}`].filter(Boolean).join(',');
    args.push('-f', 'lavfi', '-i', graph);
  }
  for (let i = 0; i < s.audioTracks; i++) {
    const tone = `sine=frequency=${440 * (i + 1)}:sample_rate=48000:duration=${s.durationSec}`;
    args.push('-f', 'lavfi', '-i', tone);
  }
  const inputs = (video ? 1 : 0) + s.audioTracks;
  if (video) args.push('-map', '0:v');
  for (let i = video ? 1 : 0; i < inputs; i++) args.push('-map', `${i}:a`);
  args.push(...videoCodecArgs(s), ...(tweak.videoArgs ?? []));
  if (s.audioTracks > 0) {
    args.push('-c:a', s.codec === 'vp9' ? 'libopus' : 'aac', '-b:a', '96k', '-ac', '2');
  }
  if (s.audioTracks > 1) {
    LANGUAGES.slice(0, s.audioTracks).forEach((lang, i) =>
      args.push(`-metadata:s:a:${i}`, `language=${lang}`),
    );
  }
  if (s.faststart && s.codec !== 'vp9') args.push('-movflags', '+faststart');
  args.push(outPath);
  return args;
}

function clip(
  description: string,
  spec: ClipSpec,
  facts: Partial<SampleFacts> = {},
  tweak: Tweak = {},
): Recipe {
  return {
    description,
    ext: clipExtension(spec),
    facts: { ...clipFacts(spec), ...facts },
    steps: (out) => [{ op: 'ffmpeg', args: clipArgs(spec, out, tweak) }],
  };
}

const ROTATED: ClipSpec = { durationSec: 3 };
const AUDIO_LATE: ClipSpec = { durationSec: 3 };
const TRUNCATED: ClipSpec = { durationSec: 3, faststart: false };

const SAMPLES: Record<SampleName, Recipe> = {
  'h264-aac-720p': clip('The baseline good upload: H.264 High + AAC, 720p30, 2 s GOP, faststart', {
    width: 1280,
    height: 720,
    durationSec: 4,
  }),
  'h264-aac-1080p': clip('H.264 + AAC, 1080p30, 2 s GOP', { width: 1920, height: 1080, durationSec: 6 }),
  'portrait-1080x1920': clip('Portrait pixels (no rotation flag), 1080x1920', {
    width: 1080,
    height: 1920,
    durationSec: 2,
  }),
  'rotated-90': {
    description: 'Landscape 640x360 pixels with a display matrix rotating them 90° (shown as 360x640)',
    ext: 'mp4',
    facts: { ...clipFacts(ROTATED), rotation: 90 },
    steps: (out) => {
      const unrotated = join(dirname(out), `unrotated-${basename(out)}`);
      return [
        { op: 'ffmpeg', args: buildClipArgs(ROTATED, unrotated) },
        {
          op: 'ffmpeg',
          // ffmpeg 5.1 has no -display_rotation; it turns a "rotate" tag into a display matrix,
          // but only when copying the stream.
          args: [
            ...FFMPEG_PREFIX,
            ...['-i', unrotated, '-map', '0', '-c', 'copy', '-metadata:s:v:0', 'rotate=90'],
            ...['-movflags', '+faststart', out],
          ],
        },
      ];
    },
  },
  'odd-size-641x361': clip('Odd dimensions 641x361; H.264 4:4:4 because 4:2:0 cannot have odd sizes', {
    width: 641,
    height: 361,
    pixFmt: 'yuv444p',
  }),
  vfr: clip(
    'Variable frame rate: 30 fps for 2 s, then 15 fps for 2 s',
    { durationSec: 4 },
    { vfr: true },
    {
      videoFilter: "select='lt(t,2)+not(mod(n,2))'",
      // mp4 defaults to a constant frame rate and would duplicate the dropped frames back in.
      videoArgs: ['-fps_mode', 'vfr'],
    },
  ),
  'no-audio': clip('H.264 video without an audio stream', { audioTracks: 0 }),
  'audio-only-m4a': clip('AAC audio only, .m4a', { codec: 'none', durationSec: 4 }),
  'audio-only-mp3-cover-art': {
    description: 'MP3 audio with an embedded JPEG cover (an attached-picture video stream)',
    ext: 'mp3',
    facts: {
      ...INVALID,
      valid: true,
      container: 'mp3',
      durationSec: 4,
      hasAudio: true,
      audioTracks: 1,
      audioCodec: 'mp3',
      coverArt: true,
    },
    steps: (out) => [
      {
        op: 'ffmpeg',
        args: [
          ...FFMPEG_PREFIX,
          ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=4'],
          ...['-f', 'lavfi', '-i', 'testsrc2=size=300x300:rate=1:duration=1'],
          ...['-map', '0:a', '-map', '1:v', '-frames:v', '1'],
          ...['-c:a', 'libmp3lame', '-b:a', '128k', '-ac', '2'],
          ...['-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-disposition:v:0', 'attached_pic'],
          ...['-metadata:s:v', 'title=Album cover', '-metadata:s:v', 'comment=Cover (front)'],
          ...['-metadata', 'title=Test tone', '-id3v2_version', '3', out],
        ],
      },
    ],
  },
  'h264-10bit': clip('H.264 High 10, yuv420p10le (browsers cannot play it)', { pixFmt: 'yuv420p10le' }),
  'hevc-main10': clip('HEVC Main 10, yuv420p10le, tagged hvc1', { codec: 'hevc', pixFmt: 'yuv420p10le' }),
  'hevc-8bit': clip('HEVC Main, yuv420p, tagged hvc1', { codec: 'hevc' }),
  interlaced: clip(
    'Interlaced H.264, top field first: 60 fields/s woven into 30 frames/s',
    {},
    { interlaced: true },
    {
      sourceFps: 60,
      videoFilter: 'tinterlace=mode=interleave_top,setfield=tff',
      // +ildct makes x264 code the frames as interlaced; -field_order flags it in the container.
      videoArgs: ['-flags', '+ildct', '-field_order', 'tt'],
    },
  ),
  'two-audio-tracks': clip('H.264 + two AAC tracks (eng 440 Hz, fra 880 Hz)', { audioTracks: 2 }),
  'audio-late': {
    description: 'H.264 + AAC whose sound starts 0.5 s after the picture, as some cameras record it',
    ext: 'mp4',
    facts: { ...clipFacts(AUDIO_LATE), durationSec: 3.5 },
    steps: (out) => {
      const aligned = join(dirname(out), `aligned-${basename(out)}`);
      return [
        { op: 'ffmpeg', args: buildClipArgs(AUDIO_LATE, aligned) },
        {
          op: 'ffmpeg',
          args: [
            ...FFMPEG_PREFIX,
            ...['-i', aligned, '-itsoffset', '0.5', '-i', aligned],
            ...['-map', '0:v', '-map', '1:a', '-c', 'copy', '-movflags', '+faststart', out],
          ],
        },
      ];
    },
  },
  'long-gop-10s': clip('A 10 s GOP (keyframes at 0 s and 10 s), 12 s, 320x180', {
    width: 320,
    height: 180,
    durationSec: 12,
    gopSec: 10,
  }),
  'vp9-webm': clip('VP9 + Opus in WebM', { codec: 'vp9' }),
  truncated: {
    description: 'An mp4 with its moov at the end, cut to 40% of its bytes: not decodable',
    ext: 'mp4',
    facts: INVALID,
    steps: (out) => [
      { op: 'ffmpeg', args: buildClipArgs(TRUNCATED, out) },
      { op: 'truncate', path: out, fraction: 0.4 },
    ],
  },
  'not-a-video': {
    description: 'Plain text named .mp4',
    ext: 'mp4',
    facts: INVALID,
    steps: (out) => [{ op: 'write', path: out, data: 'This is not a video, just text with an .mp4 name.\n' }],
  },
  empty: {
    description: 'A 0-byte .mp4',
    ext: 'mp4',
    facts: INVALID,
    steps: (out) => [{ op: 'write', path: out, data: '' }],
  },
};

/** The catalogue: what each sample is and what ffprobe reports for it. */
export const SAMPLE_CATALOGUE: Readonly<Record<SampleName, { description: string; facts: SampleFacts }>> =
  SAMPLES;

/** The steps that write sample `name` to `outPath` (intermediate files go next to it). */
export function buildSampleSteps(name: SampleName, outPath: string): Step[] {
  return SAMPLES[name].steps(outPath);
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const MEDIA_CACHE_DIR = join(repoRoot, '.tmp', 'testmedia');
const pending = new Map<string, Promise<string>>();

/** The path of sample `name`, generated on first use and cached across runs. */
export async function sample(name: SampleName): Promise<string> {
  return cached(name, SAMPLES[name].ext, (out) => buildSampleSteps(name, out));
}

/** The path of a custom clip, generated on first use and cached across runs. */
export async function generate(spec: ClipSpec): Promise<string> {
  const s = withDefaults(spec);
  const label = `clip-${s.codec}-${s.width}x${s.height}-${s.durationSec}s`;
  return cached(label, clipExtension(s), (out) => [{ op: 'ffmpeg', args: buildClipArgs(s, out) }]);
}

/**
 * The path of a file made by `steps` (see Step), generated on first use and cached across runs
 * under a name derived from `label` and the steps themselves.
 */
export function cachedMedia(label: string, ext: string, steps: (out: string) => Step[]): Promise<string> {
  return cached(label, ext, steps);
}

function cached(label: string, ext: string, steps: (out: string) => Step[]): Promise<string> {
  const fileName = `${label}.${ext}`;
  const key = createHash('sha256')
    .update(JSON.stringify(steps(join('/OUT', fileName))))
    .digest('hex')
    .slice(0, 12);
  const finalPath = join(MEDIA_CACHE_DIR, `${label}-${key}.${ext}`);
  let job = pending.get(finalPath);
  if (!job) {
    job = produce(finalPath, fileName, steps);
    job.catch(() => pending.delete(finalPath));
    pending.set(finalPath, job);
  }
  return job;
}

async function produce(finalPath: string, fileName: string, steps: (out: string) => Step[]): Promise<string> {
  if (await exists(finalPath)) return finalPath;
  await mkdir(MEDIA_CACHE_DIR, { recursive: true });
  // Each producer works in its own folder and renames the result into place, so concurrent
  // workers never see a half-written file.
  const workDir = await mkdtemp(join(MEDIA_CACHE_DIR, '.work-'));
  try {
    const out = join(workDir, fileName);
    for (const step of steps(out)) await runStep(step);
    await rename(out, finalPath);
    return finalPath;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function runStep(step: Step): Promise<void> {
  switch (step.op) {
    case 'ffmpeg':
      return runFfmpeg(step.args);
    case 'truncate': {
      const { size } = await stat(step.path);
      return truncate(step.path, Math.floor(size * step.fraction));
    }
    case 'write':
      return writeFile(step.path, step.data);
    case 'rewrite':
      return writeFile(step.to, step.rewrite(await readFile(step.from)));
  }
}

async function runFfmpeg(args: string[]): Promise<void> {
  try {
    await execFileAsync('ffmpeg', args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('ffmpeg is not on PATH: run scripts/ensure-system-deps.sh', { cause: err });
    }
    const tail = (e.stderr ?? '').trim().split('\n').slice(-15).join('\n');
    throw new Error(`ffmpeg failed (exit ${String(e.code)}): ffmpeg ${args.join(' ')}\n${tail}`, {
      cause: err,
    });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
