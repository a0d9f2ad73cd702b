import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { mediaToolCommand } from '../processing/media-tools.ts';
import { confinedRun } from '../processing/media-sandbox.ts';
import type { ToolLimits } from '../processing/tool-limits.ts';
import { readPackagerPlaylist, type PackagerPlan } from './packager-command.ts';

const GiB = 1024 ** 3;

/** A broadcast runs for hours: limits that stop a runaway, not a long event. */
export const LIVE_LIMITS: ToolLimits = {
  cpuSeconds: 3 * 24 * 3600,
  addressSpaceBytes: 4 * GiB,
  openFiles: 256,
  fileSizeBytes: GiB,
};

const POLL_MS = 150;
const EXIT_GRACE_MS = 10_000;

/** A segment ffmpeg finished, handed over with its track's init segment on the first one. */
export interface FinishedSegment {
  track: string;
  /** Index within this session's track, from 0. */
  index: number;
  bytes: Buffer;
  durationMs: number;
  /** Present on a track's first segment. */
  init?: Buffer;
}

/**
 * One ffmpeg packaging one publisher session: FLV bytes in (`write`), finished CMAF segments out
 * (`onSegment`, one at a time, in order per track). Segments are read from ffmpeg's folder as its
 * own playlist lists them, handed over, then removed from the disk.
 */
export class LivePackager {
  private readonly child: ChildProcess;
  private readonly done = new Map<string, number>();
  private readonly inits = new Map<string, Buffer>();
  private timer: NodeJS.Timeout;
  private scanning: Promise<void> = Promise.resolve();
  private exited: Promise<number | null>;
  private stderr = '';
  /** finish() or abort() was called: an exit is expected from then on. */
  private stopping = false;

  constructor(
    private readonly plan: PackagerPlan,
    private readonly workdir: string,
    private readonly onSegment: (segment: FinishedSegment) => Promise<void>,
    /** ffmpeg exited on its own (it failed, or was killed): nothing more will be packaged. */
    private readonly onExit: (code: number | null, error: string) => void = () => undefined,
  ) {
    const confined = confinedRun('ffmpeg', plan.args, { limits: LIVE_LIMITS, workdir });
    const command = mediaToolCommand(confined.tool, confined.args);
    this.child = spawn(command.file, command.args, { stdio: ['pipe', 'ignore', 'pipe'], cwd: confined.cwd });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4096);
    });
    // A publisher that vanished mid-write leaves EPIPE on our side; the exit code tells the rest.
    this.child.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code) => {
        resolve(code);
      });
      this.child.on('error', () => {
        resolve(-1);
      });
    });
    void this.exited.then((code) => {
      if (this.stopping) return;
      // What it finished is still stored; then the session is told.
      clearInterval(this.timer);
      this.queueScan();
      void this.scanning.then(() => {
        this.onExit(code, this.errorText());
      });
    });
    this.timer = setInterval(() => {
      this.queueScan();
    }, POLL_MS);
  }

  /** Feeds publisher bytes; false when ffmpeg is not keeping up (the caller may pause its socket). */
  write(bytes: Buffer): boolean {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed) return true;
    return stdin.write(bytes);
  }

  onDrain(listener: () => void): void {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writableNeedDrain) setImmediate(listener);
    else stdin.once('drain', listener);
  }

  /** ffmpeg's last error lines, for a session that failed. */
  errorText(): string {
    return this.stderr.trim();
  }

  /** The publisher is gone: ffmpeg finishes its last segment, which is handed over before this resolves. */
  async finish(): Promise<void> {
    this.stopping = true;
    this.child.stdin?.end();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_GRACE_MS);
    await this.exited;
    clearTimeout(killer);
    clearInterval(this.timer);
    this.queueScan();
    await this.scanning;
  }

  /** Stops at once (the stream was taken away): what ffmpeg had not finished is dropped. */
  async abort(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.child.kill('SIGKILL');
    await this.exited;
    await this.scanning;
  }

  private queueScan(): void {
    this.scanning = this.scanning.then(() => this.scan()).catch(() => undefined);
  }

  private async scan(): Promise<void> {
    for (const track of this.plan.tracks) {
      const dir = path.join(this.workdir, track.id);
      let text: string;
      try {
        text = await fs.readFile(path.join(dir, 'index.m3u8'), 'utf8');
      } catch {
        continue;
      }
      const listed = readPackagerPlaylist(text);
      let next = this.done.get(track.id) ?? 0;
      for (const segment of listed.segments.slice(next)) {
        let init = this.inits.get(track.id);
        const first = init === undefined;
        if (!init) {
          if (!listed.init) break;
          init = await fs.readFile(path.join(dir, listed.init));
        }
        const file = path.join(dir, segment.file);
        const bytes = await fs.readFile(file);
        await this.onSegment({
          track: track.id,
          index: next,
          bytes,
          durationMs: segment.durationMs,
          ...(first && { init }),
        });
        // Only once taken: a first segment that failed to store is handed over again with its init.
        this.inits.set(track.id, init);
        await fs.rm(file, { force: true });
        next += 1;
        this.done.set(track.id, next);
      }
    }
  }
}
