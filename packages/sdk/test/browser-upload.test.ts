import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { launchChromium, openPage } from '@kino/testkit/browser';
import { generate } from '@kino/testkit/media';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/test/e2e/kino-process.ts';
import { Kino } from '../src/index.ts';
import { projectWithBuiltSdk } from './built-sdk.ts';
import { startSdkTestKino, type SdkTestKino } from './kino-fixture.ts';

const PAGE = `<!doctype html>
<meta charset="utf-8" />
<input type="file" />
<script type="module" src="/bundle.js"></script>`;

// What a web app's own code does with the SDK, bundled for the browser by Vite (which takes
// tus-js-client's browser build through its package.json "browser" field).
const ENTRY = `import { tusUpload } from '@kino/sdk';
window.uploadChosenFile = (endpoint, mediaId) => {
  const progress = [];
  return tusUpload(document.querySelector('input').files[0], {
    endpoint,
    mediaId,
    onProgress: (sent, total) => progress.push(sent / total),
  }).then((location) => ({ ...location, progress }));
};
`;

describe('the SDK in a browser', () => {
  let server: SdkTestKino | undefined;
  let project: Awaited<ReturnType<typeof projectWithBuiltSdk>> | undefined;
  let browser: Browser | undefined;
  let site: http.Server | undefined;
  let origin: string;

  beforeAll(async () => {
    [server, project] = await Promise.all([startSdkTestKino(), projectWithBuiltSdk()]);
    fs.writeFileSync(path.join(project.dir, 'entry.js'), ENTRY);
    await build({
      root: project.dir,
      logLevel: 'silent',
      configFile: false,
      build: {
        outDir: path.join(project.dir, 'out'),
        lib: { entry: path.join(project.dir, 'entry.js'), formats: ['es'], fileName: () => 'bundle.js' },
      },
    });
    const bundle = fs.readFileSync(path.join(project.dir, 'out/bundle.js'));
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    site = http.createServer((req, res) => {
      if (req.url === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => site!.listen(port, '127.0.0.1', resolve));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    site?.closeAllConnections();
    site?.close();
    await server?.kino.stop();
    project?.remove();
  });

  it('uploads a chosen file with tusUpload to a one-time upload URL, and the media gets ready', async () => {
    const kino = new Kino({ baseUrl: server!.kino.baseUrl, apiKey: server!.apiKey });
    const uploadUrl = await kino.uploadUrls.create({ allowedOrigin: origin, title: 'from the browser' });
    const video = await generate({ width: 320, height: 240, durationSec: 2 });

    const opened = await openPage(browser!, `${origin}/`);
    const { page, errors } = opened;
    await page.setInputFiles('input[type=file]', video);
    const result = await page.evaluate(
      ([endpoint, mediaId]) =>
        (
          window as unknown as {
            uploadChosenFile: (e: string, m: string) => Promise<{ mediaId: string; progress: number[] }>;
          }
        ).uploadChosenFile(endpoint!, mediaId!),
      [uploadUrl.url, uploadUrl.mediaId],
    );
    await opened.close();
    expect(errors).toEqual([]);
    expect(result.mediaId).toBe(uploadUrl.mediaId);
    expect(result.progress.at(-1)).toBe(1);

    const media = await kino.media.waitFor(uploadUrl.mediaId, 'ready', { timeoutMs: 120_000 });
    expect(media).toMatchObject({ title: 'from the browser', status: 'ready' });
  }, 120_000);
});
