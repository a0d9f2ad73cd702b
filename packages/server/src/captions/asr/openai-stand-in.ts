import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AsrEngine } from './asr-engine.ts';

/**
 * A small server speaking OpenAI's `POST /v1/audio/transcriptions` (multipart `file`, `model`,
 * `language`, `response_format=verbose_json`) backed by another engine, for tests and the bench.
 * `failFirst` answers that many requests with 503 first (to exercise retries).
 */
export async function startOpenAiStandIn(
  engine: AsrEngine,
  options: { failFirst?: number; hang?: boolean } = {},
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const dir = await mkdtemp(path.join(tmpdir(), 'asr-standin-'));
  const server: Server = createServer((req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (options.hang) return;
        if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return res.writeHead(404).end();
        if (requests <= (options.failFirst ?? 0)) return res.writeHead(503).end('{"error":"busy"}');
        try {
          // A test server reading small bodies: the fetch API's parser is enough here.
          const request = new Request('http://stand-in/', {
            method: 'POST',
            headers: { 'content-type': req.headers['content-type'] ?? '' },
            body: Buffer.concat(chunks),
          });
          // eslint-disable-next-line @typescript-eslint/no-deprecated
          const form = await request.formData();
          const file = form.get('file');
          if (!(file instanceof Blob)) return res.writeHead(400).end('{"error":"no file"}');
          const wav = path.join(dir, `req-${requests}.wav`);
          await writeFile(wav, Buffer.from(await file.arrayBuffer()));
          const given = form.get('language');
          const language = typeof given === 'string' ? given : 'en';
          const { segments } = await engine.transcribe(wav, { language });
          const body = {
            task: 'transcribe',
            language,
            text: segments.map((s) => s.text).join(' '),
            segments: segments.map((s, id) => ({
              id,
              start: s.startMs / 1000,
              end: s.endMs / 1000,
              text: s.text,
            })),
          };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        } catch (err) {
          res.writeHead(500).end(JSON.stringify({ error: (err as Error).message }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
