import { startS3Server, type S3Server } from '@kino/testkit/s3';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishMedia, startPlayKino, type PlayKino } from '../../test/play-fixture.ts';
import { SINGLE_READ_BYTES } from './open-files.ts';

/** Longer than one read: whole files and long ranges of it stream. */
const FILE_BYTES = SINGLE_READ_BYTES + 2 * 1024 * 1024 + 12_345;
const CLIENTS = 6;

interface Answer {
  status: number;
  body: Buffer;
}

/** One GET on its own connection (no keep-alive), as separate viewers make them. */
function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** A GET whose client goes away after some bytes of the body arrived. */
function abortedGet(base: string, path: string, afterBytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let aborted = false;
    const req = http.get(`${base}${path}`, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`answered ${res.statusCode}`));
        req.destroy();
        return;
      }
      let got = 0;
      res.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got >= afterBytes && !aborted) {
          aborted = true;
          req.destroy();
          resolve();
        }
      });
      res.on('end', () => {
        reject(new Error('the whole body arrived before the abort'));
      });
    });
    req.on('error', (error) => {
      if (!aborted) reject(error);
    });
  });
}

describe.each([
  ['local disk', false],
  ['S3-compatible storage', true],
])('/play of a file longer than one read, from %s', (_name, onS3) => {
  let s3: S3Server | undefined;
  let kino: PlayKino;
  let base: string;
  let path: string;
  const file = randomBytes(FILE_BYTES);

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (onS3) {
      s3 = await startS3Server();
      process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
      env.KINO_STORAGE_URL = `s3://${s3.bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}&forcePathStyle=true`;
    }
    kino = await startPlayKino(env);
    await kino.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(kino.app.server.address() as AddressInfo).port}`;
    const tenant = await kino.tenant();
    const media = await publishMedia(kino, tenant);
    // A download of several MiB in place of the fixture's small one, before anything reads it.
    await kino.storage.put(`media/${tenant.id}/${media.id}/${media.version}/download.mp4`, file);
    path = `/play/${media.id}/${media.version}/download.mp4`;
  }, 60_000);

  afterAll(async () => {
    await kino.close();
    await s3?.stop();
  });

  /** Resolves once the server has seen every client connection close. */
  const connectionsClosed = async () => {
    const open = () =>
      new Promise<number>((resolve, reject) => {
        kino.app.server.getConnections((error, count) => {
          if (error) reject(error);
          else resolve(count);
        });
      });
    while ((await open()) > 0) await sleep(10);
  };

  const expectWhole = (answer: Answer) => {
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(file.length);
    expect(answer.body.equals(file)).toBe(true);
  };

  const ranges: [string, number, number][] = [
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, FILE_BYTES - 1],
    [`bytes=7-${SINGLE_READ_BYTES + 7}`, 7, SINGLE_READ_BYTES + 7],
    ['bytes=-1000', FILE_BYTES - 1000, FILE_BYTES - 1],
  ];
  const expectRanges = async () => {
    const answers = await Promise.all(
      ranges.flatMap(([range]) => [get(base, path, { range }), get(base, path, { range })]),
    );
    answers.forEach((answer, i) => {
      const [range, start, end] = ranges[Math.floor(i / 2)]!;
      expect(answer.status, range).toBe(206);
      expect(answer.body.equals(file.subarray(start, end + 1)), range).toBe(true);
    });
  };

  it('serves it whole twice and by ranges to many clients at once, every time with the right bytes', async () => {
    for (let round = 0; round < 2; round++) {
      (await Promise.all(Array.from({ length: CLIENTS }, () => get(base, path)))).forEach(expectWhole);
    }
    await expectRanges();
    expectWhole(await get(base, path));
    await connectionsClosed();
  });

  it('still serves it to everyone after several clients went away mid-download', async () => {
    await Promise.all([
      ...Array.from({ length: CLIENTS }, (_, i) => abortedGet(base, path, 64 * 1024 * (i + 1))),
      ...Array.from({ length: 2 }, () => get(base, path).then(expectWhole)),
    ]);
    await connectionsClosed();
    (await Promise.all(Array.from({ length: CLIENTS }, () => get(base, path)))).forEach(expectWhole);
    await expectRanges();
    await connectionsClosed();
  });
});
