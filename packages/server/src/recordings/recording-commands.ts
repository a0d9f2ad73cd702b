import { UNTRUSTED_INPUT } from '../processing/input-format.ts';

/** What decides whether parts can be joined without re-encoding. */
export interface PartShape {
  video: { codec: string; width: number; height: number } | null;
  audio: { codec: string; sampleRate: number; channels: number } | null;
}

const QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];

/** ffprobe's container name of a part, before repair (MediaRecorder's WebM has no duration to probe). */
export function containerProbeArgs(input: string): string[] {
  return ['-v', 'error', ...UNTRUSTED_INPUT, '-print_format', 'json', '-show_format', input];
}

/**
 * Rewrites one part as Matroska without re-encoding: MediaRecorder's WebM has no duration and no
 * cues, and a part cut by a crash ends inside a cluster; ffmpeg reads up to the last whole frame,
 * drops the broken tail, and writes both indexes.
 *
 * @example repairArgs('part-0.webm', 'matroska', 'fixed-0.mkv')
 */
export function repairArgs(input: string, demuxer: string, output: string): string[] {
  return [
    ...QUIET,
    ...UNTRUSTED_INPUT,
    '-fflags',
    '+genpts+discardcorrupt',
    '-err_detect',
    'ignore_err',
    '-f',
    demuxer,
    '-i',
    input,
    '-map',
    '0:v:0?',
    '-map',
    '0:a:0?',
    '-c',
    'copy',
    '-f',
    'matroska',
    output,
  ];
}

/** One part re-encoded to a common shape, for a track whose parts differ in size or codec. */
export function normalizeArgs(input: string, target: PartShape, output: string): string[] {
  const args = [...QUIET, ...UNTRUSTED_INPUT, '-f', 'matroska', '-i', input];
  if (target.video) {
    const { width, height } = target.video;
    args.push(
      '-map',
      '0:v:0?',
      '-vf',
      `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:-1:-1,setsar=1`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '20',
      '-pix_fmt',
      'yuv420p',
    );
  }
  if (target.audio) {
    args.push('-map', '0:a:0?', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2');
  }
  args.push('-f', 'matroska', output);
  return args;
}

/** The shape parts of differing shapes are re-encoded to: the first part's picture size. */
export function commonShape(shapes: PartShape[]): PartShape {
  const video = shapes.find((s) => s.video)?.video ?? null;
  const audio = shapes.some((s) => s.audio) ? { codec: 'aac', sampleRate: 48000, channels: 2 } : null;
  return {
    video: video && { codec: 'h264', width: even(video.width), height: even(video.height) },
    audio,
  };
}

/** Whether every part has the same streams, codecs and sizes (then they join without re-encoding). */
export function sameShape(shapes: PartShape[]): boolean {
  const key = (s: PartShape) => JSON.stringify(s);
  return shapes.every((s) => key(s) === key(shapes[0] as PartShape));
}

/**
 * The concat demuxer's list of Kino's own files (plain names inside the work folder), each with
 * the duration probed after repair: the next part starts there even when a container's own
 * duration is missing or wrong (as in a part cut by a crash).
 */
export function concatList(files: { name: string; durationSeconds: number }[]): string {
  return files
    .map((f) => `file '${f.name.replace(/'/g, "'\\''")}'\nduration ${f.durationSeconds.toFixed(3)}\n`)
    .join('');
}

/**
 * Joins parts in order with the concat demuxer, without re-encoding. The list and the files are
 * Kino's own, written in the work folder; only the file protocol is allowed.
 */
export function concatArgs(listFile: string, output: string): string[] {
  return [
    ...QUIET,
    '-protocol_whitelist',
    'file',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    listFile,
    '-map',
    '0',
    '-c',
    'copy',
    '-f',
    'matroska',
    output,
  ];
}

/**
 * A camera and a screen recorded together become one picture: the screen fills it and the camera
 * sits in its lower right corner at a quarter of its width. The sound is the camera track's
 * (where the microphone is recorded), or the screen's when the camera has none.
 */
export function pictureInPictureArgs(opts: {
  screen: string;
  camera: string;
  screenWidth: number;
  soundFrom: 'camera' | 'screen' | null;
  output: string;
}): string[] {
  const pipWidth = even(Math.max(64, Math.round(opts.screenWidth / 4)));
  const margin = even(Math.max(8, Math.round(opts.screenWidth / 80)));
  const args = [
    ...QUIET,
    ...UNTRUSTED_INPUT,
    '-f',
    'matroska',
    '-i',
    opts.screen,
    ...UNTRUSTED_INPUT,
    '-f',
    'matroska',
    '-i',
    opts.camera,
    '-filter_complex',
    `[0:v:0]scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1[main];[1:v:0]scale=${pipWidth}:-2,setsar=1[pip];` +
      `[main][pip]overlay=W-w-${margin}:H-h-${margin}:eof_action=pass[v]`,
    '-map',
    '[v]',
  ];
  if (opts.soundFrom)
    args.push('-map', opts.soundFrom === 'camera' ? '1:a:0' : '0:a:0', '-c:a', 'aac', '-b:a', '128k');
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '20',
    '-pix_fmt',
    'yuv420p',
    '-f',
    'matroska',
    opts.output,
  );
  return args;
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}
