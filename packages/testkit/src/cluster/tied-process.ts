import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';

/** util-linux's setpriv (always on Debian), which ties a child's life to its parent's. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((file) => existsSync(file));

export interface TiedSpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  /** What the kernel sends the child when this process dies, however it dies (PR_SET_PDEATHSIG). */
  deathSignal: 'KILL' | 'TERM' | 'QUIT';
  /** Every line the child writes goes here. */
  log: ProcessLog;
}

/**
 * Spawns a server process that cannot outlive this one: setpriv sets its parent-death signal and
 * then execs it (same pid). It leads its own process group, so a terminal's Ctrl-C reaches only
 * this process, which then stops its children in order.
 */
export function spawnTied(file: string, args: readonly string[], opts: TiedSpawnOptions): ChildProcess {
  const [command, argv] = SETPRIV
    ? [SETPRIV, ['--pdeathsig', opts.deathSignal, '--', file, ...args]]
    : [file, [...args]];
  const child = spawn(command, argv, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(opts.uid !== undefined && { uid: opts.uid, gid: opts.gid }),
  });
  child.stdout.on('data', (chunk: Buffer) => {
    opts.log.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    opts.log.write(chunk);
  });
  return child;
}

export function isRunning(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Resolves once the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
}

/**
 * Sends `signal`, then after `graceMs` SIGKILL to the child's whole process group (so an nginx
 * or PostgreSQL killed that way leaves no worker or backend behind), and resolves once it is gone.
 */
export async function terminate(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!isRunning(child)) return;
  child.kill(signal);
  const timer = setTimeout(() => {
    killGroup(child);
  }, graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** SIGKILL to the process group the child leads (spawnTied makes it lead one). */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Polls `url` until it answers 200; fails early when the child exits. */
export async function waitForHttp(
  url: string,
  child: ChildProcess,
  what: string,
  log: ProcessLog,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isRunning(child)) {
      throw new Error(`${what} exited with ${String(child.exitCode ?? child.signalCode)}:\n${log.tail()}`);
    }
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.ok;
      },
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`${what} did not answer ${url} within ${timeoutMs} ms:\n${log.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A process's output: appended to a file, and the last lines kept for error messages. */
export class ProcessLog {
  private readonly lines: string[] = [];
  private readonly file: WriteStream;

  constructor(
    readonly path: string,
    private readonly keep = 60,
  ) {
    this.file = createWriteStream(path, { flags: 'a' });
    this.file.on('error', () => undefined);
  }

  write(chunk: Buffer | string): void {
    this.file.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      this.lines.push(line);
      if (this.lines.length > this.keep) this.lines.shift();
    }
  }

  tail(): string {
    return this.lines.join('\n');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(resolve));
  }
}

/** A loopback TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}
