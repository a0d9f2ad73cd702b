import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.ts';
import { OpenFiles, SINGLE_READ_BYTES } from './open-files.ts';

const collect = async (body: Buffer | Readable) => {
  if (Buffer.isBuffer(body)) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('OpenFiles', () => {
  let dir: string;
  let file: string;
  const bytes = randomBytes(SINGLE_READ_BYTES + 100_000);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-open-files-'));
    file = path.join(dir, 'video.mp4');
    fs.writeFileSync(file, bytes);
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads short ranges into one buffer and long ones as a stream, through one descriptor', async () => {
    let now = 0;
    const files = new OpenFiles({}, () => now);
    expect(await files.size(file)).toBe(bytes.length);
    const short = await files.read(file, 10, 1009);
    expect(Buffer.isBuffer(short.body)).toBe(true);
    expect((await collect(short.body)).equals(bytes.subarray(10, 1010))).toBe(true);
    short.release();
    const long = await files.read(file, 5, bytes.length - 1);
    expect(Buffer.isBuffer(long.body)).toBe(false);
    expect((await collect(long.body)).equals(bytes.subarray(5))).toBe(true);
    // Reused buffers never show old bytes past what was read.
    const again = await files.read(file, 2000, 2099);
    expect((await collect(again.body)).equals(bytes.subarray(2000, 2100))).toBe(true);
    again.release();
    now += 60_000;
    files.close();
  });

  it('rejects a missing file with ENOENT and does not keep it', async () => {
    const files = new OpenFiles();
    const missing = path.join(dir, 'nothing.mp4');
    await expect(files.size(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(files.read(missing, 0, 9)).rejects.toMatchObject({ code: 'ENOENT' });
    fs.writeFileSync(missing, 'now it is here');
    expect(await files.size(missing)).toBe(14);
    files.close();
  });
});

describe('BufferPool', () => {
  it('lends power-of-two buffers and takes them back up to its limit', () => {
    const pool = new BufferPool(1024 * 1024, 1024 * 1024);
    const a = pool.take(100_000);
    expect(a.length).toBe(128 * 1024);
    pool.give(a);
    expect(pool.take(70_000)).toBe(a);
    const big = pool.take(1024 * 1024);
    pool.give(big);
    pool.give(pool.take(1024 * 1024));
    // Over the retained limit: dropped, not kept.
    pool.give(Buffer.allocUnsafeSlow(1024 * 1024));
    expect(() => pool.take(1024 * 1024 + 1)).toThrow(RangeError);
  });
});
