import { spawn } from 'node:child_process';
import os from 'node:os';

export class MediaToolError extends Error {
  override name = 'MediaToolError';
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
  ) {
    super(
      `${tool} failed (exit ${exitCode ?? 'signal'}): ${stderrTail.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Lines of `-progress pipe:1` output, as key=value pairs, for ffmpeg runs that ask for them. */
  onProgress?: (fields: Record<string, string>) => void;
  /** Run below the API's CPU priority (nice 10), for long encodes. */
  background?: boolean;
}

const STDERR_TAIL = 8 * 1024;

/**
 * Runs ffmpeg or ffprobe with an argument array (never a shell) and resolves with its stdout.
 * Aborting the signal kills the process (SIGKILL: ffmpeg may ignore a polite signal mid-write).
 */
export function runMediaTool(tool: 'ffmpeg' | 'ffprobe', args: readonly string[], opts: RunOptions = {}) {
  return new Promise<string>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
      return;
    }
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (opts.background && child.pid !== undefined) {
      try {
        os.setPriority(child.pid, 10);
      } catch {
        // Lowering priority is best effort (some containers forbid it).
      }
    }
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!opts.onProgress) {
        stdout += chunk;
        return;
      }
      pending += chunk;
      let end: number;
      let block: Record<string, string> = {};
      while ((end = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, end).trim();
        pending = pending.slice(end + 1);
        const eq = line.indexOf('=');
        if (eq > 0) block[line.slice(0, eq)] = line.slice(eq + 1);
        if (line.startsWith('progress=')) {
          opts.onProgress(block);
          block = {};
        }
      }
    });
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    const onAbort = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) {
        reject(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
      } else if (code === 0) resolve(stdout);
      else reject(new MediaToolError(tool, code, stderr));
    });
  });
}
