import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { run } from './media-tools.ts';

const execFileAsync = promisify(execFile);

/**
 * Measurements of what a player gets, read with ffmpeg from a URL or file. Times are the
 * stream's own timestamps (-copyts), so a video and an audio rendition read separately are
 * compared on the one media clock they share.
 */

/** Frame-by-frame "key=value" metadata that ffmpeg's metadata filters print, with each frame's time. */
function framesOf(stdout: string): { time: number; values: Map<string, string> }[] {
  const frames: { time: number; values: Map<string, string> }[] = [];
  for (const line of stdout.split('\n')) {
    const frame = /pts_time:(-?[\d.]+)/.exec(line);
    if (frame?.[1]) {
      frames.push({ time: Number(frame[1]), values: new Map() });
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) frames.at(-1)?.values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return frames;
}

/**
 * When the picture turns bright (mean luma above 128 after a darker frame), in seconds, and when
 * its first frame is shown, on the same clock.
 */
export async function flashOnsets(input: string): Promise<{ first: number; onsets: number[] }> {
  const { stdout } = await run('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-copyts', '-i', input, '-map', '0:v:0'],
    ...['-vf', 'signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-', '-f', 'null', '-'],
  ]);
  const onsets: number[] = [];
  let bright = false;
  const frames = framesOf(stdout);
  for (const f of frames) {
    const now = Number(f.values.get('lavfi.signalstats.YAVG')) > 128;
    if (now && !bright) onsets.push(f.time);
    bright = now;
  }
  return { first: frames[0]?.time ?? NaN, onsets };
}

/** When a sound starts after at least 50 ms of silence (below -30 dBFS), in seconds. */
export async function soundOnsets(input: string): Promise<number[]> {
  const { stdout } = await run('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-copyts', '-i', input, '-map', '0:a:0'],
    ...['-af', 'silencedetect=noise=-30dB:d=0.05,ametadata=print:key=lavfi.silence_end:file=-'],
    ...['-f', 'null', '-'],
  ]);
  return framesOf(stdout)
    .map((f) => f.values.get('lavfi.silence_end'))
    .filter((v): v is string => v !== undefined)
    .map(Number);
}

/** First and last presented instant of the first video or audio stream (seconds, its own clock). */
export async function streamSpan(input: string, kind: 'v' | 'a'): Promise<{ start: number; end: number }> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', `${kind}:0`],
    ...['-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', input],
  ]);
  let start = Infinity;
  let end = -Infinity;
  for (const line of stdout.split('\n')) {
    const [pts, duration] = line.trim().split(',').map(Number);
    if (pts === undefined || !Number.isFinite(pts)) continue;
    start = Math.min(start, pts);
    end = Math.max(end, pts + (Number.isFinite(duration) ? (duration ?? 0) : 0));
  }
  return { start, end };
}

/** Keyframe presentation times of the first video stream, in order. */
export async function keyframeTimesOf(input: string): Promise<number[]> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0'],
    ...['-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', input],
  ]);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(','))
    .filter(([pts, flags]) => pts && flags?.startsWith('K'))
    .map(([pts]) => Number(pts))
    .sort((a, b) => a - b);
}

/**
 * ffmpeg's interlace detector over the whole video: frames it judged top or bottom field first,
 * progressive, or could not tell (its multi-frame verdicts).
 */
export async function interlaceVerdicts(
  input: string,
): Promise<{ tff: number; bff: number; progressive: number; undetermined: number }> {
  const { stdout } = await run('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-i', input, '-map', '0:v:0'],
    ...['-vf', 'idet,metadata=print:file=-', '-f', 'null', '-'],
  ]);
  const last = framesOf(stdout).at(-1)?.values;
  const count = (key: string) => Number(last?.get(`lavfi.idet.multiple.${key}`) ?? 0);
  return {
    tff: count('tff'),
    bff: count('bff'),
    progressive: count('progressive'),
    undetermined: count('undetermined'),
  };
}

/** The RGB values (BT.709, 0-255) of the first frame at the given points. */
export async function pixelsAt(
  input: string,
  points: readonly { x: number; y: number }[],
): Promise<{ width: number; height: number; rgb: [number, number, number][] }> {
  const { stdout: size } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height'],
    ...['-of', 'json', input],
  ]);
  const { width = 0, height = 0 } =
    (JSON.parse(size) as { streams?: { width?: number; height?: number }[] }).streams?.[0] ?? {};
  const { stdout } = await execFileAsync(
    'ffmpeg',
    [
      ...['-nostdin', '-v', 'error', '-i', input, '-map', '0:v:0', '-frames:v', '1'],
      ...['-vf', 'scale=in_color_matrix=bt709:out_color_matrix=bt709,format=rgb24'],
      ...['-f', 'rawvideo', '-'],
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  const rgb = points.map(({ x, y }) => {
    const at = (y * width + x) * 3;
    return [stdout[at] ?? -1, stdout[at + 1] ?? -1, stdout[at + 2] ?? -1] as [number, number, number];
  });
  return { width, height, rgb };
}

/** Integrated loudness (EBU R128, LUFS) of the first audio stream. */
export async function integratedLoudness(input: string): Promise<number> {
  const { stdout } = await run('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-i', input, '-map', '0:a:0'],
    ...['-af', 'ebur128=metadata=1,ametadata=print:key=lavfi.r128.I:file=-', '-f', 'null', '-'],
  ]);
  return Number(framesOf(stdout).at(-1)?.values.get('lavfi.r128.I'));
}
