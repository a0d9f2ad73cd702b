import { spawn, type ChildProcess } from 'node:child_process';

export interface Publisher {
  child: ChildProcess;
  /** Seconds of media the publisher has sent so far (ffmpeg's own progress). */
  sentSeconds(): number;
  /** Resolves with ffmpeg's exit code (or signal) once it ended. */
  exited: Promise<number | string | null>;
  kill(): Promise<void>;
  stderr(): string;
}

export interface PublishOptions {
  /** Stop by itself after this many seconds of media. */
  seconds?: number;
  /**
   * h264 (what OBS sends), flv1 (Sorenson Spark: a real RTMP codec Kino does not pass through), or
   * hevc (over SRT: FLV cannot carry it).
   */
  video?: 'h264' | 'flv1' | 'hevc';
  audio?: boolean;
  size?: string;
  /** Keyframe interval in frames (OBS: 2 s). */
  gop?: number;
}

/**
 * An OBS-shaped publisher: ffmpeg sends a test pattern and a tone in real time (-re) over RTMP
 * (FLV) or, to an `srt://` URL, over SRT (MPEG-TS), H.264 with a 2 s keyframe interval and AAC, as
 * OBS's default output does.
 */
export function publish(url: string, opts: PublishOptions = {}): Publisher {
  const video = opts.video ?? 'h264';
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re'];
  args.push('-f', 'lavfi', '-i', `testsrc2=size=${opts.size ?? '640x360'}:rate=30`);
  if (opts.audio !== false) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  if (opts.seconds !== undefined) args.push('-t', String(opts.seconds));
  if (video === 'h264') {
    args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p');
  } else if (video === 'hevc') {
    args.push(
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=error',
      '-pix_fmt',
      'yuv420p',
    );
  } else {
    args.push('-c:v', 'flv1');
  }
  args.push('-g', String(opts.gop ?? 60), '-keyint_min', String(opts.gop ?? 60), '-b:v', '1000k');
  if (opts.audio !== false) args.push('-c:a', 'aac', '-b:a', '96k', '-ar', '48000');
  args.push('-progress', 'pipe:1', '-f', url.startsWith('srt://') ? 'mpegts' : 'flv', url);
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let sentUs = 0;
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    for (const m of chunk.matchAll(/out_time_us=(\d+)/g)) sentUs = Math.max(sentUs, Number(m[1]));
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    err = (err + chunk).slice(-4000);
  });
  const exited = new Promise<number | string | null>((resolve) => {
    child.on('close', (code, signal) => {
      resolve(code ?? signal);
    });
  });
  return {
    child,
    sentSeconds: () => sentUs / 1e6,
    exited,
    stderr: () => err,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
