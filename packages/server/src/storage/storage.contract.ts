import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidStorageKeyError } from './keys.ts';
import { coldTierContract } from './storage-cold.contract.ts';
import { StorageNotFoundError, StorageRangeError, type Storage } from './storage.ts';

export interface StorageFixture {
  /** An empty storage, used by one test only. */
  storage: Storage;
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;

/**
 * The behaviour every Storage adapter promises. Call it from the adapter's test file.
 *
 * @example storageContract('fs', async () => ({ storage: new FsStorage(dir), cleanup }))
 */
export function storageContract(name: string, makeStorage: () => Promise<StorageFixture>): void {
  describe(`${name} storage contract`, () => {
    let fixture: StorageFixture;
    let storage: Storage;

    beforeEach(async () => {
      fixture = await makeStorage();
      storage = fixture.storage;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('put and get', () => {
      it('stores a buffer and streams it back whole', async () => {
        const data = randomBytes(1000);
        expect(await storage.put('a/b/c.bin', data)).toEqual({ size: 1000 });
        const got = await storage.get('a/b/c.bin');
        expect({ size: got.size, contentLength: got.contentLength, range: got.range }).toEqual({
          size: 1000,
          contentLength: 1000,
          range: undefined,
        });
        expect(await readAll(got.body)).toEqual(data);
      });

      it('stores a stream of many chunks, with its content type where the backend keeps one', async () => {
        const data = randomBytes(100_000);
        const result = await storage.put('media/x/source', chunked(data, 7_000), {
          contentType: 'video/mp4',
        });
        expect(result.size).toBe(100_000);
        const got = await storage.get('media/x/source');
        expect(await readAll(got.body)).toEqual(data);
        expect([undefined, 'video/mp4']).toContain(got.contentType);
      });

      it('stores an empty object', async () => {
        expect(await storage.put('empty', Buffer.alloc(0))).toEqual({ size: 0 });
        const got = await storage.get('empty');
        expect(got.size).toBe(0);
        expect(await readAll(got.body)).toEqual(Buffer.alloc(0));
      });

      it('replaces an existing object', async () => {
        await storage.put('k', Buffer.from('first version, longer'));
        await storage.put('k', Buffer.from('second'));
        expect((await readAll((await storage.get('k')).body)).toString()).toBe('second');
      });

      it('returns the SHA-256 of what it stored when asked', async () => {
        const data = randomBytes(50_000);
        const sha256 = createHash('sha256').update(data).digest('hex');
        expect(await storage.put('h1', data, { sha256: true })).toEqual({ size: 50_000, sha256 });
        expect(await storage.put('h2', chunked(data, 4096), { sha256: true })).toEqual({
          size: 50_000,
          sha256,
        });
      });

      it('refuses a body whose length differs from the announced size, keeping the old object', async () => {
        await storage.put('sized', Buffer.from('old'));
        await expect(storage.put('sized', chunked(randomBytes(100), 10), { size: 101 })).rejects.toThrow(
          /bytes/,
        );
        await expect(storage.put('sized', chunked(randomBytes(100), 10), { size: 99 })).rejects.toThrow(
          /bytes/,
        );
        expect((await readAll((await storage.get('sized')).body)).toString()).toBe('old');
        expect(await storage.put('sized', chunked(randomBytes(100), 10), { size: 100 })).toEqual({
          size: 100,
        });
      });

      it('leaves the previous object, and nothing else, when the body fails', async () => {
        await storage.put('dir/fail', Buffer.from('old'));
        await expect(storage.put('dir/fail', Readable.from(failingChunks()))).rejects.toThrow(
          'connection lost',
        );
        await expect(storage.put('dir/new', Readable.from(failingChunks()))).rejects.toThrow(
          'connection lost',
        );
        expect((await readAll((await storage.get('dir/fail')).body)).toString()).toBe('old');
        expect(await collect(storage.list('dir/'))).toEqual([{ key: 'dir/fail', size: 3 }]);
      });
    });

    describe('ranges', () => {
      const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

      it.each([
        ['the first byte', { start: 0, end: 0 }, 0, 0],
        ['a middle slice', { start: 100, end: 199 }, 100, 199],
        ['the last byte', { start: 999, end: 999 }, 999, 999],
        ['an open end', { start: 990 }, 990, 999],
        ['an end past the last byte, clamped', { start: 995, end: 5000 }, 995, 999],
      ])('serves %s', async (_name, range, start, end) => {
        await storage.put('r', data);
        const got = await storage.get('r', range);
        expect({ size: got.size, contentLength: got.contentLength, range: got.range }).toEqual({
          size: 1000,
          contentLength: end - start + 1,
          range: { start, end },
        });
        expect(await readAll(got.body)).toEqual(data.subarray(start, end + 1));
      });

      it('refuses a range starting at or past the end, and malformed ranges', async () => {
        await storage.put('r', data);
        await expect(storage.get('r', { start: 1000 })).rejects.toBeInstanceOf(StorageRangeError);
        await expect(storage.get('r', { start: 5000, end: 6000 })).rejects.toBeInstanceOf(StorageRangeError);
        await storage.put('empty', Buffer.alloc(0));
        await expect(storage.get('empty', { start: 0 })).rejects.toBeInstanceOf(StorageRangeError);
        await expect(storage.get('r', { start: -1 })).rejects.toBeInstanceOf(RangeError);
        await expect(storage.get('r', { start: 10, end: 9 })).rejects.toBeInstanceOf(RangeError);
        await expect(storage.get('r', { start: 1.5 })).rejects.toBeInstanceOf(RangeError);
      });
    });

    describe('head, delete, missing objects', () => {
      it('describes an object, and answers null for a missing one', async () => {
        await storage.put('x/info', randomBytes(321));
        const info = await storage.head('x/info');
        expect(info?.size).toBe(321);
        expect(Math.abs((info?.lastModified.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
        expect(await storage.head('x/missing')).toBeNull();
        expect(await storage.head('x')).toBeNull();
      });

      it('throws StorageNotFoundError for a missing object', async () => {
        const error: unknown = await storage.get('no/such/key').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StorageNotFoundError);
        expect((error as StorageNotFoundError).key).toBe('no/such/key');
        await expect(storage.get('no/such/key', { start: 0 })).rejects.toBeInstanceOf(StorageNotFoundError);
        await expect(storage.copy('no/such/key', 'elsewhere')).rejects.toBeInstanceOf(StorageNotFoundError);
      });

      it('deletes an object, and deleting a missing one is fine', async () => {
        await storage.put('d/1', Buffer.from('x'));
        await storage.delete('d/1');
        expect(await storage.head('d/1')).toBeNull();
        await storage.delete('d/1');
        await storage.delete('never/was');
      });
    });

    describe('list and deletePrefix', () => {
      const keys = ['m/1/a', 'm/1/b/c', 'm/10/a', 'm/2', 'other'];

      it('lists the objects under a prefix with their sizes', async () => {
        for (const [i, key] of keys.entries()) await storage.put(key, Buffer.alloc(i + 1));
        expect(sortByKey(await collect(storage.list('m/1/')))).toEqual([
          { key: 'm/1/a', size: 1 },
          { key: 'm/1/b/c', size: 2 },
        ]);
        expect((await collect(storage.list(''))).map((o) => o.key).sort()).toEqual([...keys].sort());
        expect(await collect(storage.list('m/9/'))).toEqual([]);
        expect(await collect(storage.list('other/'))).toEqual([]);
      });

      it('deletes exactly the objects under a prefix', async () => {
        for (const key of keys) await storage.put(key, Buffer.from(key));
        await storage.deletePrefix('m/1/');
        await storage.deletePrefix('m/9/');
        await storage.deletePrefix('other/');
        expect((await collect(storage.list(''))).map((o) => o.key).sort()).toEqual([
          'm/10/a',
          'm/2',
          'other',
        ]);
        await expect(storage.deletePrefix('')).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(storage.deletePrefix('m/10')).rejects.toBeInstanceOf(InvalidStorageKeyError);
      });

      it('lists and deletes more than 1,000 objects (two pages on S3)', { timeout: 90_000 }, async () => {
        const many = Array.from({ length: 1010 }, (_, i) => `many/k${String(i).padStart(4, '0')}`);
        for (let i = 0; i < many.length; i += 50) {
          await Promise.all(many.slice(i, i + 50).map((key) => storage.put(key, Buffer.from('.'))));
        }
        await storage.put('many-not/x', Buffer.from('.'));
        const listed = (await collect(storage.list('many/'))).map((o) => o.key);
        expect(listed.length).toBe(1010);
        expect(listed.sort()).toEqual(many);
        await storage.deletePrefix('many/');
        expect(await collect(storage.list('many/'))).toEqual([]);
        expect(await storage.head('many-not/x')).not.toBeNull();
      });
    });

    describe('copy', () => {
      it('copies an object to a new key and over an existing one, keeping the source', async () => {
        const data = randomBytes(10_000);
        await storage.put('src/a', data);
        await storage.copy('src/a', 'dst/deep/b');
        expect(await readAll((await storage.get('dst/deep/b')).body)).toEqual(data);
        await storage.put('dst/c', Buffer.from('old'));
        await storage.copy('src/a', 'dst/c');
        expect(await readAll((await storage.get('dst/c')).body)).toEqual(data);
        expect(await readAll((await storage.get('src/a')).body)).toEqual(data);
      });
    });

    describe('large objects', () => {
      it('round-trips a 20 MB streamed put byte for byte', { timeout: 90_000 }, async () => {
        const data = randomBytes(20 * MiB);
        const sha256 = createHash('sha256').update(data).digest('hex');
        expect(await storage.put('big/source', chunked(data, 64 * 1024), { sha256: true })).toEqual({
          size: data.length,
          sha256,
        });
        const got = await storage.get('big/source');
        expect(got.size).toBe(data.length);
        expect(await sha256Of(got.body)).toBe(sha256);
        // Across the boundaries of 5 and 8 MiB parts.
        for (const at of [5 * MiB, 8 * MiB, 10 * MiB, 16 * MiB]) {
          const slice = await storage.get('big/source', { start: at - 10, end: at + 9 });
          expect(await readAll(slice.body)).toEqual(data.subarray(at - 10, at + 10));
        }
      });
    });

    describe('atomicity', () => {
      const size = 64 * 1024;

      it('shows nothing of a new object until its put completes', async () => {
        const next = randomBytes(size);
        const seen = await readWhilePutting(storage, 'atomic/new', next);
        expect(seen.partial).toBe(0);
        expect(seen.missing).toBeGreaterThan(0);
        expect(await readAll((await storage.get('atomic/new')).body)).toEqual(next);
      });

      it('shows the whole old object while a new version is being put', async () => {
        const old = randomBytes(size);
        const next = randomBytes(size);
        await storage.put('atomic/k', old);
        const seen = await readWhilePutting(storage, 'atomic/k', next, old);
        expect(seen.partial).toBe(0);
        expect(seen.missing).toBe(0);
        expect(seen.old).toBeGreaterThan(0);
        expect(await readAll((await storage.get('atomic/k')).body)).toEqual(next);
      });
    });

    describe('keys', () => {
      const hostile = [
        '',
        '../escape',
        'a/../../escape',
        '..',
        '.',
        './a',
        '%2e%2e/escape',
        '/etc/passwd',
        'a//b',
        'a/',
        'a\\b',
        'a\0b',
        'caf\u00e9',
        'a b',
        '.hidden',
        'x'.repeat(2000),
      ];

      it.each(hostile.map((key) => [JSON.stringify(key.slice(0, 20)), key]))(
        'refuses the key %s in every method',
        async (_label, key) => {
          await expect(storage.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidStorageKeyError);
          await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
          await expect(storage.head(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
          await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
          await expect(storage.copy(key, 'ok')).rejects.toBeInstanceOf(InvalidStorageKeyError);
          await expect(storage.copy('ok', key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
          if (storage.presignGet)
            await expect(storage.presignGet(key, 60)).rejects.toBeInstanceOf(InvalidStorageKeyError);
          if (key !== '') {
            await expect(async () => collect(storage.list(`${key}/`))).rejects.toBeInstanceOf(
              InvalidStorageKeyError,
            );
            await expect(storage.deletePrefix(`${key}/`)).rejects.toBeInstanceOf(InvalidStorageKeyError);
          }
        },
      );

      it('refuses prefixes that do not end with a slash', async () => {
        await expect(async () => collect(storage.list('m'))).rejects.toBeInstanceOf(InvalidStorageKeyError);
        await expect(async () => collect(storage.list('/'))).rejects.toBeInstanceOf(InvalidStorageKeyError);
      });
    });

    describe('presigned URLs and readiness', () => {
      it('gives a URL that fetches the object, where the backend can', async (ctx) => {
        if (!storage.presignGet) {
          ctx.skip();
          return;
        }
        const data = randomBytes(2000);
        await storage.put('p/q', data);
        const url = await storage.presignGet('p/q', 60);
        const response = await fetch(url);
        expect(response.status).toBe(200);
        expect(Buffer.from(await response.arrayBuffer())).toEqual(data);
        await expect(storage.presignGet('p/q', 0)).rejects.toBeInstanceOf(RangeError);
      });

      it('passes its readiness check', async () => {
        await storage.check();
      });
    });
  });
  coldTierContract(name, makeStorage);
}

/** Reads `key` over and over while a slow put of `next` runs, sorting what each read saw. */
async function readWhilePutting(
  storage: Storage,
  key: string,
  next: Buffer,
  old?: Buffer,
): Promise<{ old: number; next: number; missing: number; partial: number }> {
  const seen = { old: 0, next: 0, missing: 0, partial: 0 };
  const putting = { done: false };
  const put = storage.put(key, chunked(next, next.length / 8, 30)).finally(() => {
    putting.done = true;
  });
  while (!putting.done) {
    try {
      const bytes = await readAll((await storage.get(key)).body);
      if (bytes.equals(next)) seen.next++;
      else if (old && bytes.equals(old)) seen.old++;
      else seen.partial++;
    } catch (error) {
      if (!(error instanceof StorageNotFoundError)) throw error;
      seen.missing++;
    }
    await sleep(2);
  }
  await put;
  return seen;
}

/** A stream of `data` in chunks of `size` bytes, optionally `delayMs` apart. */
function chunked(data: Buffer, size: number, delayMs = 0): Readable {
  return Readable.from(
    (async function* () {
      for (let at = 0; at < data.length; at += size) {
        if (delayMs > 0) await sleep(delayMs);
        yield data.subarray(at, at + size);
      }
    })(),
  );
}

async function* failingChunks(): AsyncGenerator<Buffer> {
  yield randomBytes(10);
  await sleep(1);
  throw new Error('connection lost');
}

async function readAll(body: Readable): Promise<Buffer> {
  return Buffer.concat((await body.toArray()) as Buffer[]);
}

async function sha256Of(body: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function sortByKey<T extends { key: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.key < b.key ? -1 : 1));
}
