import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createDatabase } from '@kino/testkit/postgres';
import { startS3Server, type S3Server } from '@kino/testkit/s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, startKinoProcess, type KinoProcess } from './kino-process.ts';

// The public contract, checked by the shared smoke script (kept beside this repository) against a real Kino process.
const SMOKE = path.resolve(REPO_ROOT, '..', 'shared', 'contract-smoke.mjs');

/** Runs the smoke script without blocking this process, which may be hosting the S3 server. */
async function runSmoke(kino: KinoProcess): Promise<{ code: number | null; output: string }> {
  if (!fs.existsSync(SMOKE)) throw new Error(`the shared contract smoke test is missing at ${SMOKE}`);
  const child = spawn(process.execPath, [SMOKE, kino.baseUrl, kino.operatorKey], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 280_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}

describe('the public contract (shared smoke test)', () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('holds on the embedded defaults: SQLite, local disk, API and worker in one process', async () => {
    const kino = await startKinoProcess();
    stops.push(() => kino.stop());
    const smoke = await runSmoke(kino);
    expect(smoke.output).toContain('contract smoke passed');
    expect(smoke.code, `${smoke.output}\n--- server output ---\n${kino.output()}`).toBe(0);
  }, 300_000);

  it('holds on PostgreSQL and S3-compatible storage', async () => {
    const s3: S3Server = await startS3Server();
    stops.push(() => s3.stop());
    const kino = await startKinoProcess({
      KINO_DATABASE_URL: await createDatabase(inject('postgresUrl'), 'e2e'),
      KINO_STORAGE_URL: `s3://${s3.bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1&forcePathStyle=true`,
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    stops.push(() => kino.stop());
    const smoke = await runSmoke(kino);
    expect(smoke.code, `${smoke.output}\n--- server output ---\n${kino.output()}`).toBe(0);
  }, 300_000);
});
