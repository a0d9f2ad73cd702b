import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from './scope.ts';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface ServerProcess extends Resource {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly pid: number | undefined;
}

/**
 * Runs a Node.js HTTP server in its own process, so it has an event loop (and a core) of its own,
 * and resolves once `readyPath` answers 200.
 *
 * @example const server = await startNodeServer({ name: 'kino', args: ['--import', 'tsx', 'main.ts', 'serve'],
 *            port, env: { ...process.env, KINO_PORT: String(port) }, cwd: repoRoot, readyPath: '/healthz' });
 */
export async function startNodeServer(opts: {
  name: string;
  args: string[];
  /** The child's whole environment (nothing is inherited that is not in here). */
  env: NodeJS.ProcessEnv;
  port: number;
  cwd: string;
  readyPath: string;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${opts.port}`;

  const server: ServerProcess = {
    name: opts.name,
    url,
    pid: child.pid,
    async close() {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
    closeNow() {
      if (running()) child.kill('SIGKILL');
    },
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!running()) {
      throw new Error(
        `${opts.name} exited with ${String(child.exitCode ?? child.signalCode)}:\n${tail.join('\n')}`,
      );
    }
    try {
      const res = await fetch(url + opts.readyPath, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return server;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      server.closeNow();
      throw new Error(
        `${opts.name} did not answer ${opts.readyPath} within ${READY_TIMEOUT_MS} ms:\n${tail.join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A temporary folder, removed when the run ends. */
export async function tempDir(prefix: string): Promise<Resource & { path: string }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    name: path,
    path,
    close: () => rm(path, { recursive: true, force: true }),
    closeNow: () => {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** A TCP port that was free a moment ago. */
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
