import { execFile } from 'node:child_process';

export interface FfmpegStatus {
  ok: boolean;
  version?: string;
}

/** Whether this process can run ffmpeg, and which version; asked at most once a minute. */
export function ffmpegVersionProbe(bin = 'ffmpeg', ttlMs = 60_000): () => Promise<FfmpegStatus> {
  let cached: { at: number; status: FfmpegStatus } | undefined;
  const ask = () =>
    new Promise<FfmpegStatus>((resolve) => {
      execFile(bin, ['-hide_banner', '-version'], { timeout: 5000 }, (err, stdout) => {
        if (err) resolve({ ok: false });
        else {
          const version = /^ffmpeg version (\S+)/.exec(stdout)?.[1];
          resolve(version ? { ok: true, version } : { ok: true });
        }
      });
    });
  return async () => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.status;
    const status = await ask();
    cached = { at: Date.now(), status };
    return status;
  };
}
