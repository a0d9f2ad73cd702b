import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs ffmpeg or ffprobe (argument array, no shell); resolves with stdout and stderr, or rejects. */
export async function run(tool: 'ffmpeg' | 'ffprobe', args: string[], timeoutMs = 60_000) {
  return execFileAsync(tool, args, { maxBuffer: 32 * 1024 * 1024, timeout: timeoutMs });
}

/** Decodes every stream of a file or URL; rejects with ffmpeg's errors on the first problem. */
export async function decodesCleanly(input: string): Promise<void> {
  const { stderr } = await run('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-xerror',
    '-i',
    input,
    '-map',
    '0',
    '-f',
    'null',
    '-',
  ]);
  if (stderr.trim()) throw new Error(`ffmpeg reported problems decoding ${input}:\n${stderr}`);
}

/** The duration (seconds) of the first video stream: its last frame's end, from the packet list. */
export async function videoDuration(input: string): Promise<{ seconds: number; frames: number }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time,duration_time',
    '-of',
    'csv=p=0',
    input,
  ]);
  let first = Infinity;
  let end = 0;
  let frames = 0;
  for (const line of stdout.split('\n')) {
    const [ptsText, durationText] = line.trim().split(',');
    if (!ptsText) continue;
    const pts = Number(ptsText);
    const duration = Number(durationText);
    if (!Number.isFinite(pts)) continue;
    frames++;
    first = Math.min(first, pts);
    end = Math.max(end, pts + (Number.isFinite(duration) ? duration : 0));
  }
  return { seconds: frames ? end - first : 0, frames };
}

/** Luma statistics of the first frame of an image or video (0..255). */
export async function lumaStats(input: string): Promise<{ min: number; max: number; avg: number }> {
  const { stdout } = await run('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-i',
    input,
    '-frames:v',
    '1',
    '-vf',
    'signalstats,metadata=print:file=-',
    '-f',
    'null',
    '-',
  ]);
  const value = (key: string) =>
    Number(new RegExp(`lavfi\\.signalstats\\.${key}=([\\d.]+)`).exec(stdout)?.[1]);
  return { min: value('YMIN'), max: value('YMAX'), avg: value('YAVG') };
}

/** When the first video and audio stream start (seconds), as a player opening the input sees it. */
export async function streamStarts(input: string): Promise<{ video: number | null; audio: number | null }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_type,start_time',
    '-of',
    'csv=p=0',
    input,
  ]);
  const starts = { video: null as number | null, audio: null as number | null };
  for (const line of stdout.split('\n')) {
    const [type, start] = line.trim().split(',');
    if ((type === 'video' || type === 'audio') && start && Number.isFinite(Number(start))) {
      starts[type] = Math.min(starts[type] ?? Infinity, Number(start));
    }
  }
  return starts;
}
