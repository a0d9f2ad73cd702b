import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Seconds per segment: what a crash of this machine can lose at most. */
export const SEGMENT_SECONDS = 2;

/**
 * ffmpeg's input arguments for a `--source`: `lavfi:GRAPH[;GRAPH]` (test sources, one input per
 * graph, read in real time), an RTSP URL (over TCP), or any other input ffmpeg opens (a device, an
 * SRT or HTTP URL, a file).
 *
 * @example inputArgs('lavfi:testsrc2=size=320x240:rate=15;sine') // ['-re','-f','lavfi','-i','testsrc2=…','-re','-f','lavfi','-i','sine']
 */
export function inputArgs(source: string): { args: string[]; inputs: number } {
  if (source.startsWith('lavfi:')) {
    const graphs = source.slice('lavfi:'.length).split(';').filter(Boolean);
    return { args: graphs.flatMap((g) => ['-re', '-f', 'lavfi', '-i', g]), inputs: graphs.length };
  }
  if (/^rtsps?:\/\//.test(source)) return { args: ['-rtsp_transport', 'tcp', '-i', source], inputs: 1 };
  return { args: ['-i', source], inputs: 1 };
}

/**
 * The whole ffmpeg command of one recording session: `seconds` of the source into short
 * Matroska segments (H.264 + AAC, a keyframe at every segment start, timestamps from 0 in each),
 * each listed in `list` once it is finished.
 */
export function recordArgs(source: string, seconds: number, dir: string, session: number): string[] {
  const input = inputArgs(source);
  const audioFrom = input.inputs > 1 ? `${input.inputs - 1}:a:0?` : '0:a:0?';
  return [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...input.args,
    ...['-t', seconds.toFixed(2), '-map', '0:v:0?', '-map', audioFrom],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
    ...['-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_SECONDS})`],
    ...['-c:a', 'aac', '-b:a', '96k'],
    ...['-f', 'segment', '-segment_time', String(SEGMENT_SECONDS), '-segment_format', 'matroska'],
    ...['-reset_timestamps', '1', '-segment_list', listFile(dir, session), '-segment_list_type', 'flat'],
    path.join(dir, `s${session}-%05d.mkv`),
  ];
}

export const listFile = (dir: string, session: number) => path.join(dir, `s${session}.list`);

/**
 * The segment files of a session, in order: those ffmpeg listed as finished, then (when ffmpeg is
 * gone, `includeUnlisted`) any it was still writing when it stopped, which the server repairs.
 */
export function sessionSegments(dir: string, session: number, includeUnlisted: boolean): string[] {
  const listed = fs.existsSync(listFile(dir, session))
    ? fs
        .readFileSync(listFile(dir, session), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((name) => path.join(dir, path.basename(name)))
    : [];
  if (!includeUnlisted) return listed;
  const all = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`s${session}-`) && f.endsWith('.mkv'))
    .sort()
    .map((f) => path.join(dir, f));
  return [...listed, ...all.filter((f) => !listed.includes(f))];
}

/** One ffmpeg session; `done` resolves with its exit code. */
export function startFfmpeg(
  args: string[],
  command: string[] = ['ffmpeg'],
): { child: ChildProcess; done: Promise<number | null> } {
  const [file = 'ffmpeg', ...prefix] = command;
  const child = spawn(file, [...prefix, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const done = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      if (code !== 0 && stderr)
        process.stderr.write(`ffmpeg: ${stderr.trim().split('\n').slice(-3).join(' | ')}\n`);
      resolve(code);
    });
    child.on('error', () => {
      resolve(-1);
    });
  });
  return { child, done };
}
