import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { confinedRun, type ConfinementOptions } from './media-sandbox.ts';

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

/** Limits and work folder (ConfinementOptions) are applied by media-sandbox.ts. */
export interface RunOptions extends ConfinementOptions {
  signal?: AbortSignal;
  /** Lines of `-progress pipe:1` output, as key=value pairs, for ffmpeg runs that ask for them. */
  onProgress?: (fields: Record<string, string>) => void;
  /** Run below the API's CPU priority (nice 10), for long encodes. */
  background?: boolean;
}

const STDERR_TAIL = 8 * 1024;

/** util-linux's setpriv (always on Debian); without it, tools run unwrapped. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((file) => existsSync(file));

/**
 * The program and arguments that run `tool` so that the kernel kills it when the process that
 * spawned it dies, even by kill -9: setpriv sets PR_SET_PDEATHSIG, which survives its exec of the
 * tool. The signal fires when the spawning *thread* exits; Node spawns from its main thread, which
 * lives as long as the process.
 *
 * @example mediaToolCommand('ffprobe', ['-version']) // { file: '/usr/bin/setpriv', args: ['--pdeathsig', 'KILL', '--', 'ffprobe', '-version'] }
 */
export function mediaToolCommand(
  tool: string,
  args: readonly string[],
  setpriv: string | null = SETPRIV ?? null,
): { file: string; args: string[] } {
  if (setpriv === null) return { file: tool, args: [...args] };
  return { file: setpriv, args: ['--pdeathsig', 'KILL', '--', tool, ...args] };
}

/** Kills the child's whole process group (it leads one: spawned detached), or the child alone. */
function killTree(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * Runs ffmpeg or ffprobe with an argument array (never a shell) and resolves with its stdout.
 * The tool leads its own process group and dies with this process (see mediaToolCommand).
 * Aborting the signal kills the group (SIGKILL: ffmpeg may ignore a polite signal mid-write).
 */
export function runMediaTool(tool: 'ffmpeg' | 'ffprobe', args: readonly string[], opts: RunOptions = {}) {
  return new Promise<string>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
      return;
    }
    const confined = confinedRun(tool, args, opts);
    const command = mediaToolCommand(confined.tool, confined.args);
    // detached: its own process group, which an abort kills whole; it also keeps a terminal's
    // Ctrl-C away from the tool, so the worker decides when its jobs stop.
    const child = spawn(command.file, command.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      cwd: confined.cwd,
    });
    if (opts.background && child.pid !== undefined) {
      try {
        os.setPriority(child.pid, 10);
      } catch {
        // Lowering priority is best effort (some containers forbid it).
      }
      // A detached child starts a session, and Linux with autogroup shares the CPU between
      // sessions before it looks at nice: the session's own nice is what ranks it below the API.
      writeFile(`/proc/${child.pid}/autogroup`, '10').catch(() => undefined);
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
    const onAbort = () => {
      killTree(child);
    };
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
