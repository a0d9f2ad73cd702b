import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, freePort } from './kino-process.ts';

const MAIN = path.join(REPO_ROOT, 'packages/server/src/main.ts');

export interface RestartableKino {
  baseUrl: string;
  port: number;
  operatorKey: string;
  dataDir: string;
  /** Every line the process (all of its runs) wrote. */
  output(): string;
  /** Stops the process with SIGTERM, as a deploy would, and starts it again on the same port and data. */
  restart(): Promise<{ stoppedInMs: number; exitCode: number | null }>;
  stop(): Promise<void>;
}

/**
 * `kino serve` as its own process, like startKinoProcess, that can be restarted on the same port,
 * data folder and database: what a client sees during a rolling restart.
 */
export async function startRestartableKino(env: Record<string, string> = {}): Promise<RestartableKino> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-e2e-'));
  const operatorKey = `e2e-operator-key-${port}-0123456789`;
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = '';
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);

  const start = async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KINO_PORT: String(port),
        KINO_HOST: '127.0.0.1',
        KINO_DATA_DIR: dataDir,
        KINO_ADMIN_KEY: operatorKey,
        KINO_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    exited = new Promise((resolve) => proc.on('exit', resolve));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`kino exited at start:\n${output}`);
      const ready = await fetch(`${baseUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`kino was not ready within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const terminate = async () => {
    const started = Date.now();
    child?.kill('SIGTERM');
    const exitCode = await exited;
    return { stoppedInMs: Date.now() - started, exitCode };
  };

  await start();
  return {
    baseUrl,
    port,
    operatorKey,
    dataDir,
    output: () => output,
    async restart() {
      const stopped = await terminate();
      await start();
      return stopped;
    },
    async stop() {
      await terminate();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
