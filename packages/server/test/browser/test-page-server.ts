import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

/** The only files served: the player page, its script, and hls.js as npm ships it. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: `${PAGE_DIR}hls-player.html`, type: 'text/html; charset=utf-8' },
  '/hls-player.js': { file: `${PAGE_DIR}hls-player.js`, type: 'text/javascript; charset=utf-8' },
  '/hls.min.js': { file: require.resolve('hls.js/dist/hls.min.js'), type: 'text/javascript; charset=utf-8' },
};

export interface TestPageServer {
  /** The page's origin: another port than Kino's, so every request to Kino is cross-origin. */
  origin: string;
  stop(): Promise<void>;
}

/** Serves the hls.js test page on loopback. */
export async function startTestPageServer(): Promise<TestPageServer> {
  const server = http.createServer((request, response) => {
    const entry = FILES[new URL(request.url ?? '/', 'http://page').pathname];
    if (request.method !== 'GET' || !entry) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-store' });
    fs.createReadStream(entry.file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
