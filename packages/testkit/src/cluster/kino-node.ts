import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CpuGroup } from './cpu-priority.ts';
import { exited, isRunning, ProcessLog, spawnTied, terminate, waitForHttp } from './tied-process.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = join(REPO_ROOT, 'packages/server/src/main.ts');

export type KinoRole = 'api' | 'worker' | 'live';

/**
 * One `kino serve` process with a fixed role, port, data folder and environment, which can be
 * killed (as a crash or an OOM kill would) and started again the same way.
 */
export class KinoNode {
  private child: ChildProcess | undefined;
  readonly url: string;
  readonly log: ProcessLog;

  constructor(
    readonly name: string,
    readonly role: KinoRole,
    readonly port: number,
    readonly dataDir: string,
    private readonly env: NodeJS.ProcessEnv,
    logsDir: string,
    /** CPU niceness (0 = the default); workers run below the API processes. */
    private readonly nice = 0,
    /** The cgroup whose CPU weight it shares with the tools it starts (workers: a low one). */
    private readonly cpuGroup?: CpuGroup,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.log = new ProcessLog(join(logsDir, `${name}.log`));
  }

  /** The RTMP port of a live process. */
  get rtmpPort(): number | null {
    const port = Number(this.env.KINO_RTMP_PORT);
    return this.role === 'live' && port > 0 ? port : null;
  }

  /** The process id while it runs. */
  get pid(): number | undefined {
    return isRunning(this.child) ? this.child?.pid : undefined;
  }

  /** Starts the process and waits until its /readyz answers 200 (database, storage, ffmpeg). */
  async start(): Promise<void> {
    if (isRunning(this.child)) return;
    await mkdir(this.dataDir, { recursive: true });
    const child = spawnTied(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
      cwd: REPO_ROOT,
      env: {
        ...this.env,
        KINO_PORT: String(this.port),
        KINO_HOST: '127.0.0.1',
        KINO_ROLES: this.role,
        KINO_DATA_DIR: this.dataDir,
      },
      deathSignal: 'KILL',
      log: this.log,
    });
    this.child = child;
    if (child.pid !== undefined) {
      this.cpuGroup?.add(child.pid);
      if (this.nice !== 0) os.setPriority(child.pid, this.nice);
    }
    await waitForHttp(`${this.url}/readyz`, child, this.name, this.log);
  }

  /** Sends `signal` to this process alone (SIGKILL: no cleanup at all) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !isRunning(child)) return;
    child.kill(signal);
    await exited(child);
  }

  /** SIGTERM, as a deploy stops it: running jobs get their grace; SIGKILL after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.child) await terminate(this.child, 'SIGTERM', graceMs);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
