import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/test/e2e/kino-process.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const OPERATOR = 'capture-test-operator-key-0123456789';
const SOURCE = 'lavfi:testsrc2=size=320x240:rate=15;sine=frequency=440:sample_rate=48000';

/** A child process and everything it printed. */
interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output, exited: new Promise((resolve) => child.on('exit', resolve)) };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('kino-capture', () => {
  let port = 0;
  let dataDir = '';
  let spoolRoot = '';
  let kino: Running | undefined;
  let uploadKey = '';
  const agents: Running[] = [];
  const base = () => `http://127.0.0.1:${port}`;

  const startKino = async () => {
    kino = run(['--import', 'tsx', 'packages/server/src/main.ts', 'serve'], {
      KINO_PORT: String(port),
      KINO_HOST: '127.0.0.1',
      KINO_DATA_DIR: dataDir,
      KINO_ADMIN_KEY: OPERATOR,
      KINO_LOG_LEVEL: 'warn',
    });
    await until('Kino to be ready', async () =>
      (await fetch(`${base()}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
        ? true
        : undefined,
    );
  };
  const stopKino = async () => {
    kino?.child.kill('SIGTERM');
    await kino?.exited;
    kino = undefined;
  };
  const api = async <T>(method: string, url: string, key: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base()}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const agent = (args: string[]) => {
    const a = run(['packages/capture/bin/kino-capture.js', ...args]);
    agents.push(a);
    return a;
  };
  /** The tenant's media with this title, once it is ready. */
  const readyMedia = (title: string, key: string) =>
    until(
      `"${title}" to be ready`,
      async () => {
        const list = await api<{
          items: { title: string; status: string; durationSeconds: number; error: unknown }[];
        }>('GET', '/v1/media?limit=50', key);
        const media = list.items.find((m) => m.title === title);
        if (media?.status === 'errored')
          throw new Error(`"${title}" errored: ${JSON.stringify(media.error)}`);
        return media?.status === 'ready' ? media : undefined;
      },
      180_000,
    );

  let tenantKey = '';
  beforeAll(async () => {
    port = await freePort();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capture-kino-'));
    spoolRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'capture-spool-'));
    await startKino();
    const tenant = await api<{ id: string; apiKey: string }>('POST', '/v1/tenants', OPERATOR, {
      name: 'School',
    });
    tenantKey = tenant.apiKey;
    uploadKey = (
      await api<{ apiKey: string }>('POST', `/v1/tenants/${tenant.id}/keys`, OPERATOR, { scope: 'upload' })
    ).apiKey;
  });
  afterAll(async () => {
    for (const a of agents) a.child.kill('SIGKILL');
    await stopKino();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(spoolRoot, { recursive: true, force: true });
  });

  it('records a schedule while Kino is stopped, and uploads it once Kino is back', async () => {
    const spool = path.join(spoolRoot, 'run');
    const a = agent([
      'run',
      '--server',
      base(),
      '--key',
      uploadKey,
      '--spool',
      spool,
      '--name',
      'Room 101',
      '--heartbeat',
      '1',
    ]);
    const agentId = await until('the agent to register', async () => {
      const list = await api<{ items: { id: string; status: string }[] }>(
        'GET',
        '/v1/capture-agents',
        tenantKey,
      );
      return list.items.find((x) => x.status === 'online')?.id;
    });
    await api('POST', '/v1/capture-schedules', tenantKey, {
      agentId,
      title: 'Scheduled lecture',
      startsAt: new Date(Date.now() + 5000).toISOString(),
      durationSeconds: 8,
      source: SOURCE,
    });
    // The agent keeps the schedule it was handed; then Kino goes away before the recording starts.
    await until('the agent to take the schedule', async () => {
      const list = await api<{ items: { id: string; lastSeenAt: string }[] }>(
        'GET',
        '/v1/capture-agents',
        tenantKey,
      );
      const seen = Date.parse(list.items[0]?.lastSeenAt ?? '');
      return seen > Date.now() - 500 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    await stopKino();
    await until('the recording to end in the spool', () =>
      a.output().includes('recorded "Scheduled lecture"') ? true : undefined,
    );
    await startKino();
    const media = await readyMedia('Scheduled lecture', tenantKey);
    expect(media.durationSeconds).toBeGreaterThan(7);
    expect(media.durationSeconds).toBeLessThan(9);
    a.child.kill('SIGTERM');
    await a.exited;
  }, 300_000);

  it('resumes after being killed -9 in the middle of a recording', async () => {
    const spool = path.join(spoolRoot, 'record');
    const args = [
      'record',
      '--server',
      base(),
      '--key',
      uploadKey,
      '--spool',
      spool,
      '--source',
      SOURCE,
      '--duration',
      '8',
      '--title',
      'Killed lecture',
    ];
    const first = agent(args);
    await until('a first part on the server', () =>
      first.output().includes('uploaded part 1/') ? true : undefined,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const second = agent(args);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toContain('resuming "Killed lecture"');
    const media = await readyMedia('Killed lecture', tenantKey);
    // What ran between the kill and the restart is not recorded; everything recorded arrives.
    expect(media.durationSeconds).toBeGreaterThan(4);
    expect(media.durationSeconds).toBeLessThan(8.6);
  }, 300_000);
});
