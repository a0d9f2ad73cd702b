import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrottleProxy, type ThrottleProxy } from '../../server/test/cluster/throttle-proxy.ts';
import { Kino } from '../src/index.ts';
import type { FileUploadState } from '../src/cli/upload-state.ts';
import { projectWithBuiltSdk } from './built-sdk.ts';
import { startSdkTestKino, type SdkTestKino } from './kino-fixture.ts';

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

describe('kino-upload', () => {
  let server: SdkTestKino | undefined;
  let proxy: ThrottleProxy | undefined;
  let work: string;
  // The command as a user gets it: tsc's build of the package, run by node.
  let project: Awaited<ReturnType<typeof projectWithBuiltSdk>> | undefined;
  let bin: string;
  let env: NodeJS.ProcessEnv;

  const start = (args: string[]): Run => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { child, stdout: () => stdout, stderr: () => stderr, exited };
  };

  beforeAll(async () => {
    project = await projectWithBuiltSdk();
    bin = project.bin;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-cli-'));
    const folder = path.join(work, 'lectures');
    fs.mkdirSync(folder);
    for (const [i, seconds] of [2, 3, 4].entries()) {
      fs.copyFileSync(
        await generate({ width: 320, height: 240, durationSec: seconds }),
        path.join(folder, `part-${i + 1}.mp4`),
      );
    }
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not a video: left out of a folder upload');
    server = await startSdkTestKino();
    // About 50 kB/s: each file takes seconds, long enough to be killed in the middle of one.
    proxy = await startThrottleProxy(server.port, 50_000);
    env = {
      PATH: process.env.PATH,
      HOME: work,
      KINO_URL: `http://127.0.0.1:${proxy.port}`,
      KINO_API_KEY: server.apiKey,
      KINO_CONFIG_DIR: path.join(work, 'config'),
    };
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.kino.stop();
    fs.rmSync(work, { recursive: true, force: true });
    project?.remove();
  });

  it('uploads a folder of 3 files, killed in the middle of the second and run again, as 3 ready media', async () => {
    const folder = path.join(work, 'lectures');
    const stateFile = path.join(work, 'config/uploads.json');
    const readState = (): FileUploadState[] =>
      fs.existsSync(stateFile)
        ? Object.values(JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Record<string, FileUploadState>)
        : [];

    // First run: killed once the server has stored part of the second file (its tus file store
    // writes the bytes as they come, under the upload's id).
    const first = start(['--visibility', 'private', folder]);
    const storedBytes = (uploadId: string): number => {
      const found = fs
        .readdirSync(server!.kino.dataDir, { recursive: true, withFileTypes: true })
        .find((entry) => entry.isFile() && entry.name === uploadId);
      return found ? fs.statSync(path.join(found.parentPath, found.name)).size : 0;
    };
    const secondSize = fs.statSync(path.join(folder, 'part-2.mp4')).size;
    await expect
      .poll(
        () => {
          const second = readState().find((s) => !s.completed);
          return second && readState().length === 2 ? storedBytes(second.uploadUrl.split('/').pop()!) : 0;
        },
        { timeout: 60_000, interval: 50 },
      )
      .toBeGreaterThan(0);
    expect(
      storedBytes(
        readState()
          .find((s) => !s.completed)!
          .uploadUrl.split('/')
          .pop()!,
      ),
    ).toBeLessThan(secondSize);
    first.child.kill('SIGKILL');
    await first.exited;
    const [firstLine] = first.stdout().trim().split('\n');
    expect(first.stdout().trim().split('\n')).toHaveLength(1);
    expect(firstLine).toMatch(/^\S+\t.*\/part-1\.mp4$/);
    const partial = readState().find((s) => !s.completed)!;
    expect(partial).toBeDefined();

    // Second run, the same command: the first file is skipped, the second resumed, the third sent.
    const second = start(['--visibility', 'private', '--wait', 'ready', folder]);
    expect(await second.exited).toBe(0);
    const lines = second
      .stdout()
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
    expect(lines.map(([, file]) => path.basename(file!))).toEqual(['part-1.mp4', 'part-2.mp4', 'part-3.mp4']);
    expect(lines[0]![0]).toBe(firstLine!.split('\t')[0]);
    expect(lines[1]![0]).toBe(partial.mediaId);
    expect(second.stderr()).toContain('part-1.mp4: uploaded before');
    const resumedAt = /part-2\.mp4: resuming at byte (\d+)/.exec(second.stderr());
    expect(Number(resumedAt?.[1])).toBeGreaterThan(0);
    expect(second.stderr()).not.toMatch(/part-(1|3)\.mp4: resuming/);

    // Exactly 3 media in the tenant, all ready (--wait ready returned only then).
    const kino = new Kino({ baseUrl: server!.kino.baseUrl, apiKey: server!.apiKey });
    const all = [];
    for await (const media of kino.media.all()) all.push(media);
    expect(all.map((m) => m.id).sort()).toEqual(lines.map(([id]) => id).sort());
    expect(all.every((m) => m.status === 'ready' && m.visibility === 'private')).toBe(true);

    // list and url
    const listed = start(['list', '--status', 'ready']);
    expect(await listed.exited).toBe(0);
    expect(listed.stdout().trim().split('\n')).toHaveLength(3);
    const url = start(['url', lines[2]![0]!, '--format', 'mp4', '--expires', '600']);
    expect(await url.exited).toBe(0);
    const mp4 = await fetch(url.stdout().trim());
    expect(mp4.status).toBe(200);
    expect(mp4.headers.get('content-type')).toContain('video/mp4');
  }, 180_000);

  it('refuses to run without a key, and takes none from a flag', async () => {
    const run = spawn(process.execPath, [bin, 'list'], {
      env: { ...env, KINO_API_KEY: '', KINO_CONFIG_DIR: path.join(work, 'empty') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await new Promise((resolve) => run.on('exit', resolve))).toBe(2);
    expect(stderr).toContain('no API key: set KINO_API_KEY');
    const flag = start(['list', '--api-key', 'kino_x']);
    expect(await flag.exited).toBe(2);
    expect(flag.stderr()).toContain("Unknown option '--api-key'");
  });
});
