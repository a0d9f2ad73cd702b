import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase } from '@kino/testkit/postgres';
import { startS3Server, type S3Server } from '@kino/testkit/s3';
import { Upload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createStorage } from '../../src/storage/create-storage.ts';
import { startCuttingProxy } from './cutting-proxy.ts';
import { startRestartableKino } from './restartable-kino.ts';

const MB = 1024 * 1024;
const SIZE = 200 * MB;

/** A file of random bytes, written in pieces so it never sits in memory whole; returns its sha256. */
async function writeRandomFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = fs.createWriteStream(file);
  for (let written = 0; written < size;) {
    const piece = randomBytes(Math.min(8 * MB, size - written));
    hash.update(piece);
    if (!out.write(piece)) {
      await new Promise<void>((resolve) => {
        out.once('drain', () => {
          resolve();
        });
      });
    }
    written += piece.length;
  }
  await new Promise<void>((resolve, reject) => {
    out.end((err?: Error | null) => {
      if (err) reject(err);
      else resolve();
    });
  });
  return hash.digest('hex');
}

const backends = {
  'sqlite+disk': async () => ({ env: {}, stop: async () => undefined }),
  'postgres+s3': async () => {
    const s3: S3Server = await startS3Server();
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    return {
      env: {
        KINO_DATABASE_URL: await createDatabase(inject('postgresUrl'), 'tus'),
        KINO_STORAGE_URL: `s3://${s3.bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}&forcePathStyle=true`,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      } as Record<string, string>,
      stop: () => s3.stop(),
    };
  },
};

describe('a 200 MB tus upload through dropped connections and a server restart', () => {
  let dir: string;
  let file: string;
  let sha256: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-tus-resume-'));
    file = path.join(dir, 'source.bin');
    sha256 = await writeRandomFile(file, SIZE);
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(backends) as (keyof typeof backends)[])(
    'finishes with tus-js-client on %s, and the stored original is the source, byte for byte',
    async (backend) => {
      const stops: (() => Promise<unknown>)[] = [];
      try {
        const deps = await backends[backend]();
        stops.push(deps.stop);
        const kino = await startRestartableKino(deps.env);
        stops.unshift(() => kino.stop());
        // Three PATCH connections die part way through their body.
        const proxy = await startCuttingProxy(kino.port, [25 * MB, 30 * MB, 20 * MB]);
        stops.unshift(() => proxy.close());

        const tenant = await fetch(`${kino.baseUrl}/v1/tenants`, {
          method: 'POST',
          headers: { authorization: `Bearer ${kino.operatorKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'resume' }),
        });
        const { apiKey } = (await tenant.json()) as { apiKey: string };

        let creations = 0;
        let mediaId: string | undefined;
        let restart: Promise<{ stoppedInMs: number }> | undefined;
        let offsetAtRestart = 0;
        const uploadUrl = await new Promise<string>((resolve, reject) => {
          const upload = new Upload(fs.createReadStream(file), {
            endpoint: `http://127.0.0.1:${proxy.port}/v1/uploads`,
            headers: { authorization: `Bearer ${apiKey}` },
            metadata: { filename: 'source.bin' },
            // Enough patience for a process restart; a retry that makes progress resets the count
            // (about a minute in all: starting a process takes a while on a busy machine).
            retryDelays: [0, 300, 1000, 1000, 2000, 2000, 3000, 3000, 3000, ...Array<number>(8).fill(5000)],
            onBeforeRequest: (req) => {
              if (req.getMethod() === 'POST') creations++;
            },
            onAfterResponse: (req, res) => {
              if (req.getMethod() === 'POST') mediaId ??= res.getHeader('Kino-Media-Id');
            },
            onProgress: (sent) => {
              // Once the dropped connections are behind us, restart the server mid-upload.
              if (restart === undefined && proxy.cuts() >= 3 && sent > SIZE * 0.6) {
                offsetAtRestart = sent;
                restart = kino.restart();
              }
            },
            onSuccess: () => {
              resolve(upload.url ?? '');
            },
            onError: reject,
          });
          upload.start();
        });

        expect(proxy.cuts()).toBe(3);
        expect(restart, 'the server was restarted mid-upload').toBeDefined();
        const stopped = await restart;
        expect(offsetAtRestart).toBeLessThan(SIZE);
        // The running upload was cut at once, not waited for.
        expect(stopped?.stoppedInMs).toBeLessThan(10_000);
        // One upload, resumed every time: never started again from zero.
        expect(creations).toBe(1);

        const uploadId = uploadUrl.split('/').pop() ?? '';
        const storage = createStorage(loadConfig({ KINO_DATA_DIR: kino.dataDir, ...deps.env }).storage);
        const stored = await storage.get(uploadId);
        const hash = createHash('sha256');
        for await (const chunk of stored.body) hash.update(chunk as Buffer);
        expect(stored.size).toBe(SIZE);
        expect(hash.digest('hex')).toBe(sha256);

        // The last byte handed the media on to processing (random bytes then fail there, which is fine).
        const media = await fetch(`${kino.baseUrl}/v1/media/${mediaId ?? ''}`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
        expect(media.status).toBe(200);
        expect(((await media.json()) as { status: string }).status).not.toBe('waiting');
      } finally {
        for (const stop of stops) await stop();
      }
    },
    120_000,
  );
});
