import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = path.join(REPO_ROOT, 'packages/server/src/main.ts');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => {
        resolve(port);
      });
    });
    srv.on('error', reject);
  });
}

export interface KinoProcess {
  baseUrl: string;
  operatorKey: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `kino serve` as its own process, as an operator would, and waits until /readyz answers 200. */
export async function startKinoProcess(env: Record<string, string> = {}): Promise<KinoProcess> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-e2e-'));
  const operatorKey = `e2e-operator-key-${port}-0123456789`;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
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
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kino exited at start:\n${output}`);
    const ready = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`kino was not ready within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseUrl,
    operatorKey,
    dataDir,
    child,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
