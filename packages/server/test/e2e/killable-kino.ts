import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, freePort } from './kino-process.ts';

const MAIN = path.join(REPO_ROOT, 'packages/server/src/main.ts');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface KillableKino {
  baseUrl: string;
  operatorKey: string;
  dataDir: string;
  /** Every line the process (all of its runs) wrote. */
  output(): string;
  /** Starts `kino serve` on the same port, data folder and database, with `env` on top of the base. */
  start(env?: Record<string, string>): Promise<void>;
  /** Resolves when the running process ends on its own (a failpoint), or rejects after `timeoutMs`. */
  exit(timeoutMs: number): Promise<Exit>;
  /** SIGTERM, as a deploy would, and waits for the process to end. */
  terminate(): Promise<Exit>;
  /** SIGKILL (a crash, the OOM killer), and waits for the process to end. */
  kill(): Promise<Exit>;
  /** Ends the running process if any and removes the data folder. */
  close(): Promise<void>;
}

/**
 * `kino serve` as a child process that may die by SIGKILL (KINO_FAILPOINTS) and be started again,
 * each run with its own environment, on one port, data folder and database.
 */
export async function killableKino(baseEnv: Record<string, string> = {}): Promise<KillableKino> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-faults-'));
  const operatorKey = `e2e-operator-key-${port}-0123456789`;
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = '';
  let child: ChildProcess | undefined;
  let exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });

  const start = async (env: Record<string, string> = {}) => {
    if (child && child.exitCode === null && child.signalCode === null) {
      throw new Error('kino is still running');
    }
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KINO_FAILPOINTS: '',
        KINO_PORT: String(port),
        KINO_HOST: '127.0.0.1',
        KINO_DATA_DIR: dataDir,
        KINO_ADMIN_KEY: operatorKey,
        KINO_LOG_LEVEL: 'warn',
        ...baseEnv,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    output += `--- start ${JSON.stringify(env)}\n`;
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        resolve({ code, signal });
      });
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`kino exited at start:\n${output}`);
      }
      const ready = await fetch(`${baseUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`kino was not ready within 90 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const exit = async (timeoutMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`kino did not end within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const stop = (signal: NodeJS.Signals) => {
    const running = child && child.exitCode === null && child.signalCode === null;
    if (running) child?.kill(signal);
    return exited;
  };
  const terminate = () => stop('SIGTERM');

  return {
    baseUrl,
    operatorKey,
    dataDir,
    output: () => output,
    start,
    exit,
    terminate,
    kill: () => stop('SIGKILL'),
    async close() {
      await terminate();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
