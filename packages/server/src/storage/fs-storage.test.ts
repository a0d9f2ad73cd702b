import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FsStorage, resolveInside } from './fs-storage.ts';
import { InvalidStorageKeyError } from './keys.ts';
import { storageContract } from './storage.contract.ts';

async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kino-fs-storage-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

storageContract('fs', async () => {
  const { dir, cleanup } = await tempDir();
  return {
    storage: new FsStorage(path.join(dir, 'root'), { coldDir: path.join(dir, 'cold') }),
    cleanup,
  };
});

describe('FsStorage', () => {
  it('keeps every file inside its folder and leaves no temporary file behind', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const storage = new FsStorage(path.join(dir, 'root'));
      await storage.put('a/b', Buffer.from('x'));
      await expect(storage.put('../outside', Buffer.from('x'))).rejects.toBeInstanceOf(
        InvalidStorageKeyError,
      );
      const failing = Readable.from(
        (async function* () {
          yield Buffer.from('partial');
          await Promise.resolve();
          throw new Error('lost');
        })(),
      );
      await expect(storage.put('a/c', failing)).rejects.toThrow('lost');
      await storage.copy('a/b', 'a/d');
      expect(await readdir(dir)).toEqual(['root']);
      expect((await readdir(path.join(dir, 'root', 'a'))).sort()).toEqual(['b', 'd']);
    } finally {
      await cleanup();
    }
  });

  it('does not list or delete a file named like a prefix', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const storage = new FsStorage(dir);
      await storage.put('a', Buffer.from('x'));
      await storage.deletePrefix('a/');
      expect(await storage.head('a')).not.toBeNull();
      await writeFile(path.join(dir, '.stray.tmp'), 'x');
      const keys: string[] = [];
      for await (const o of storage.list('')) keys.push(o.key);
      expect(keys).toEqual(['a']);
    } finally {
      await cleanup();
    }
  });

  // /dev/shm is a tmpfs, another file system than the temporary folder's: a move there is a copy.
  it.runIf(existsSync('/dev/shm'))(
    'moves to a cold folder on another file system by a copy, leaving no temporary file',
    async () => {
      const { dir, cleanup } = await tempDir();
      const coldDir = await mkdtemp('/dev/shm/kino-cold-');
      try {
        const storage = new FsStorage(path.join(dir, 'root'), { coldDir });
        await storage.put('upl_x', Buffer.from('an original'));
        await storage.coldTier?.moveToCold('upl_x');
        expect(await readdir(path.join(dir, 'root'))).toEqual([]);
        expect(await readdir(coldDir)).toEqual(['upl_x']);
        expect(await storage.coldTier?.restore('upl_x')).toBe('hot');
        expect(await readdir(coldDir)).toEqual([]);
        expect((await readAll((await storage.get('upl_x')).body)).toString()).toBe('an original');
      } finally {
        await cleanup();
        await rm(coldDir, { recursive: true, force: true });
      }
    },
  );

  it('fails its readiness check when the folder cannot be created', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(path.join(dir, 'file'), 'x');
      await expect(new FsStorage(path.join(dir, 'file', 'root')).check()).rejects.toThrow();
    } finally {
      await cleanup();
    }
  });
});

describe('resolveInside', () => {
  it('resolves a relative path under the root', () => {
    expect(resolveInside('/data/storage', 'media/x/y')).toBe('/data/storage/media/x/y');
  });

  it.each(['..', '../x', 'a/../../x', '/etc/passwd', '', '.'])(
    'refuses %j, which is not strictly inside',
    (rel) => {
      expect(() => resolveInside('/data/storage', rel)).toThrow(InvalidStorageKeyError);
    },
  );

  it('does not take a sibling folder with a common name prefix for the root', () => {
    expect(() => resolveInside('/data/storage', '../storage-other/x')).toThrow(InvalidStorageKeyError);
  });
});

async function readAll(body: Readable): Promise<Buffer> {
  return Buffer.concat((await body.toArray()) as Buffer[]);
}
