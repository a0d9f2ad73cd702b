import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-cli-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function kino(args: string[], env: Record<string, string>) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

async function freePort(): Promise<number> {
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

/** Starts `kino serve`, waits for /healthz, returns what it printed so far and a stopper. */
async function serve(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], {
    env: { ...process.env, ...env, KINO_PORT: String(port), KINO_HOST: '127.0.0.1' },
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    output: () => stdout,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('kino command line', () => {
  it('refuses a malformed setting with one clear line and exit code 2', () => {
    const res = kino(['serve'], { KINO_DATA_DIR: tempDir(), KINO_DATABASE_URL: 'postgres//kino@db' });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(
      "kino: configuration: KINO_DATABASE_URL: 'postgres//kino@db' is not a URL",
    );
  });

  it('serves, prints a generated operator key once, and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir();
    const first = await serve({ KINO_DATA_DIR: dataDir });
    const keyFile = path.join(dataDir, 'operator-key');
    const key = fs.readFileSync(keyFile, 'utf8').trim();
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(first.output()).toContain(key);
    const created = await fetch(`http://127.0.0.1:${first.port}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'cli' }),
    });
    expect(created.status).toBe(201);
    expect(await first.stop()).toBe(0);
    expect(first.output().split(key).length - 1).toBe(1);

    const second = await serve({ KINO_DATA_DIR: dataDir });
    expect(second.output()).not.toContain(key);
    expect(await second.stop()).toBe(0);
  }, 60_000);

  it('creates tenants and keys, and revokes keys', () => {
    const env = { KINO_DATA_DIR: tempDir() };
    expect(kino(['migrate'], env).stdout).toContain('applied: 0001-foundation');
    expect(kino(['migrate'], env).stdout).toContain('schema is up to date');
    const tenant = kino(['tenants', 'create', 'Acme'], env);
    const tenantId = /tenant (ten_\w+)/.exec(tenant.stdout)?.[1] ?? '';
    expect(tenantId).not.toBe('');
    const key = kino(
      ['keys', 'create', '--tenant', tenantId, '--scope', 'read', '--name', 'dashboards'],
      env,
    );
    const keyId = /key (key_\w+) \(read\)/.exec(key.stdout)?.[1] ?? '';
    expect(key.stdout).toMatch(/api key \(shown once\): kino_key_/);
    expect(kino(['keys', 'revoke', '--tenant', tenantId, keyId], env).stdout).toContain(`revoked ${keyId}`);
    expect(kino(['keys', 'list', '--tenant', tenantId], env).stdout).toMatch(
      new RegExp(`${keyId}\\tread\\trevoked`),
    );
    const wrong = kino(['keys', 'revoke', '--tenant', tenantId, 'key_nope'], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe('kino: API key not found');
    expect(kino(['keys', 'create'], env).code).toBe(2);
  }, 60_000);
});
