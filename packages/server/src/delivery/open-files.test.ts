import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
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
  // Its descriptor is released on 'close', which may follow the end by a tick.
  if (!body.closed) await once(body, 'close');
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

  it('keeps serving a file after long reads that ended, were cut short or failed, from many readers at once', async () => {
    const files = new OpenFiles();
    const long = (start: number) => files.read(file, start, bytes.length - 1);
    const whole = async (start: number) => {
      const got = await long(start);
      const read = await collect(got.body);
      got.release();
      expect(read.equals(bytes.subarray(start)), `from ${start}`).toBe(true);
    };
    // Read to the end, twice, by several readers at once.
    await Promise.all([0, 1, 2, 3, 4, 5].map(whole));
    await Promise.all([0, 1, 2, 3, 4, 5].map(whole));
    // Cut short after the first chunk, as an aborted download is.
    await Promise.all(
      [0, 1, 2, 3].map(async (start) => {
        const got = await long(start);
        const body = got.body as Readable;
        await once(body, 'data');
        got.release();
        got.release();
        if (!body.closed) await once(body, 'close');
      }),
    );
    // Released before anything was read.
    (await long(0)).release();
    // Short and long reads interleaved, after all that.
    await Promise.all([
      whole(0),
      whole(7),
      ...[0, 100, SINGLE_READ_BYTES - 1000].map(async (start) => {
        const got = await files.read(file, start, start + 999);
        expect((await collect(got.body)).equals(bytes.subarray(start, start + 1000))).toBe(true);
        got.release();
      }),
    ]);
    // Nobody holds the descriptor any more: closing gives it back.
    expect(files.openCount).toBe(1);
    files.close();
    expect(files.openCount).toBe(0);
  });

  it('keeps the descriptor open while a stream reads from it, and closes it after', async () => {
    const files = new OpenFiles();
    const got = await files.read(file, 0, bytes.length - 1);
    files.close();
    // A reader still holds it: close left it open.
    expect(files.openCount).toBe(1);
    expect((await collect(got.body)).equals(bytes)).toBe(true);
    got.release();
    files.close();
    expect(files.openCount).toBe(0);
  });

  it('gives a short read’s buffer back once, however often it is released', async () => {
    const files = new OpenFiles();
    const a = await files.read(file, 0, 99);
    a.release();
    a.release();
    const b = await files.read(file, 100, 199);
    const c = await files.read(file, 200, 299);
    // Two live reads never share a buffer.
    expect((b.body as Buffer).buffer === (c.body as Buffer).buffer).toBe(false);
    expect((await collect(b.body)).equals(bytes.subarray(100, 200))).toBe(true);
    expect((await collect(c.body)).equals(bytes.subarray(200, 300))).toBe(true);
    b.release();
    c.release();
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
