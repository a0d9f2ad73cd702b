import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { launchChromium } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/test/e2e/kino-process.ts';
import { Kino } from '../src/index.ts';
import { projectWithBuiltSdk } from './built-sdk.ts';
import { startSdkTestKino, type SdkTestKino } from './kino-fixture.ts';

const execFileAsync = promisify(execFile);
const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));

/** The code blocks of a guide that carry a file name (```js file=server.mjs), by file name. */
function namedCodeBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of markdown.matchAll(/^```[\w-]* file=(\S+)\n([\s\S]*?)^```$/gm)) {
    blocks.set(match[1]!, match[2]!);
  }
  return blocks;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Runs a guide's program in the project folder, as a reader would with `node file.mjs`. */
function startProgram(cwd: string, file: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [file], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: 'pipe',
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      resolve();
    }),
  );
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('the docs/ guides, run as written against a running Kino', () => {
  let server: SdkTestKino | undefined;
  let project: Awaited<ReturnType<typeof projectWithBuiltSdk>> | undefined;
  let browser: Browser | undefined;
  const running: Started[] = [];
  let env: Record<string, string>;
  let video: string;

  const writeGuide = (guide: string, expected: string[]) => {
    const blocks = namedCodeBlocks(fs.readFileSync(path.join(DOCS, guide), 'utf8'));
    expect([...blocks.keys()].sort()).toEqual([...expected].sort());
    for (const [name, code] of blocks) fs.writeFileSync(path.join(project!.dir, name), code);
  };

  beforeAll(async () => {
    [server, project] = await Promise.all([startSdkTestKino(), projectWithBuiltSdk()]);
    env = { KINO_URL: server.kino.baseUrl, KINO_API_KEY: server.apiKey };
    video = await generate({ width: 320, height: 240, durationSec: 2 });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(running.map((p) => p.stop()));
    await server?.kino.stop();
    project?.remove();
  });

  it("README.md's SDK example runs as written", async () => {
    const blocks = namedCodeBlocks(fs.readFileSync(path.join(DOCS, '../README.md'), 'utf8'));
    fs.writeFileSync(path.join(project!.dir, 'readme-sdk.mjs'), blocks.get('readme-sdk.mjs')!);
    fs.copyFileSync(video, path.join(project!.dir, 'talk.mp4'));
    const { stdout } = await execFileAsync(process.execPath, ['readme-sdk.mjs'], {
      cwd: project!.dir,
      env: { PATH: process.env.PATH, ...env },
    });
    // The HLS URL (its token in the path) and the embed URL (its token in the query).
    expect(stdout).toMatch(/^http:\/\/\S+\/play\/t\/\S+\/master\.m3u8 http:\/\/\S+\/embed\/\S+\?token=\S+$/m);
  }, 120_000);

  it('upload-from-a-web-page.md: the page uploads a file chosen in Chromium with a one-time URL', async () => {
    writeGuide('upload-from-a-web-page.md', ['upload-server.mjs', 'upload.html']);
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const app = startProgram(project!.dir, 'upload-server.mjs', {
      ...env,
      PORT: String(port),
      APP_ORIGIN: origin,
    });
    running.push(app);
    await expect.poll(() => app.output(), { timeout: 15_000 }).toContain('upload page on');

    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.setInputFiles('input[type=file]', video);
    await page.waitForFunction(
      () => document.querySelector('#status')?.textContent.startsWith('Uploaded: '),
      null,
      {
        timeout: 60_000,
      },
    );
    const mediaId = (await page.textContent('#status'))!.replace('Uploaded: ', '');
    expect(await page.evaluate(() => document.querySelector('progress')!.value)).toBe(1);

    const kino = new Kino({ baseUrl: server!.kino.baseUrl, apiKey: server!.apiKey });
    const media = await kino.media.waitFor(mediaId, 'ready', { timeoutMs: 120_000 });
    expect(media).toMatchObject({ visibility: 'private', title: path.basename(video) });
  }, 120_000);

  it('protect-with-tokens.md: a private upload plays with its token URL in ffprobe, and not without', async () => {
    writeGuide('protect-with-tokens.md', ['protect.mjs', 'play.sh']);
    const { stdout } = await execFileAsync(process.execPath, ['protect.mjs', video], {
      cwd: project!.dir,
      env: { PATH: process.env.PATH, ...env },
    });
    const printed = JSON.parse(stdout) as { withoutToken: string; hls: string; embed: string };
    expect((await fetch(printed.withoutToken)).status).toBe(401);
    expect((await fetch(printed.embed)).status).toBe(200);
    const played = await execFileAsync('bash', ['play.sh'], {
      cwd: project!.dir,
      env: { PATH: process.env.PATH, HLS_URL: printed.hls },
    });
    expect(played.stdout).toMatch(/^video,320,240$/m);
  }, 120_000);

  it('webhooks.md: the receiver verifies and logs media.ready, and refuses a forged request', async () => {
    writeGuide('webhooks.md', ['create-webhook.mjs', 'webhook-receiver.mjs']);
    const port = await freePort();
    const created = await execFileAsync(process.execPath, ['create-webhook.mjs'], {
      cwd: project!.dir,
      env: { PATH: process.env.PATH, ...env, HOOK_URL: `http://127.0.0.1:${port}/kino-hooks` },
    });
    const secret = /^KINO_WEBHOOK_SECRET=(\S+)$/m.exec(created.stdout)?.[1];
    expect(secret).toBeDefined();
    const receiver = startProgram(project!.dir, 'webhook-receiver.mjs', {
      PORT: String(port),
      KINO_WEBHOOK_SECRET: secret!,
    });
    running.push(receiver);
    await expect
      .poll(() =>
        fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).then(
          (r) => r.status,
          () => 0,
        ),
      )
      .toBe(400);
    expect(receiver.output()).toContain('refused: missing_signature');

    const kino = new Kino({ baseUrl: server!.kino.baseUrl, apiKey: server!.apiKey });
    const { mediaId } = await kino.upload(fs.createReadStream(video), { title: 'hooked' });
    await expect.poll(() => receiver.output(), { timeout: 120_000 }).toContain(`media.ready ${mediaId}`);

    const t = Math.floor(Date.now() / 1000);
    const forged = await fetch(`http://127.0.0.1:${port}/kino-hooks`, {
      method: 'POST',
      headers: { 'kino-signature': `t=${t},v1=${'0'.repeat(64)}` },
      body: JSON.stringify({ id: 'evt_forged', type: 'media.ready', data: { id: mediaId } }),
    });
    expect(forged.status).toBe(400);
    expect(receiver.output()).toContain('refused: signature_mismatch');
    // Once, however often Kino delivered it (other media of the tenant may have their own lines).
    expect(
      receiver
        .output()
        .split('\n')
        .filter((line) => line === `media.ready ${mediaId}`),
    ).toHaveLength(1);
  }, 120_000);
});
