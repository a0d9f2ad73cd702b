import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ByteMeter } from './byte-meter.ts';
import { FsColdTier } from './fs-cold-tier.ts';
import { assertValidKey, assertValidPrefix, InvalidStorageKeyError } from './keys.ts';
import { resolveRange } from './range.ts';
import {
  StorageNotFoundError,
  type ByteRange,
  type GetResult,
  type ListedObject,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
  type ColdTier,
  type Storage,
} from './storage.ts';

/**
 * Storage in a local folder: a key is a path below it. Writes go to a dot-named temporary
 * file in the target's folder, are fsynced, then renamed over the target. With a cold folder
 * (`coldDir`), objects moved there by the cold tier are still read, copied, listed and deleted
 * under their keys; writes always go to the hot folder.
 *
 * @example const storage = new FsStorage('/var/lib/kino/storage', { coldDir: '/mnt/slow/kino' })
 */
export class FsStorage implements Storage {
  readonly root: string;
  readonly coldRoot: string | undefined;
  readonly coldTier: ColdTier | undefined;

  constructor(dir: string, opts: { coldDir?: string | undefined } = {}) {
    this.root = path.resolve(dir);
    this.coldRoot = opts.coldDir === undefined ? undefined : path.resolve(opts.coldDir);
    const coldRoot = this.coldRoot;
    this.coldTier =
      coldRoot === undefined
        ? undefined
        : new FsColdTier(
            (key) => this.pathOf(key),
            (key) => {
              assertValidKey(key);
              return resolveInside(coldRoot, key);
            },
          );
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  async put(key: string, body: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    const target = this.pathOf(key);
    const meter = new ByteMeter({ sha256: opts.sha256, expectedSize: opts.size });
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    await mkdir(path.dirname(target), { recursive: true });
    await this.writeAtomically(target, async (temp) => {
      // `flush` fsyncs before the stream closes, and the pipeline waits for that close.
      await pipeline(source, meter, createWriteStream(temp, { flags: 'wx', flush: true }));
    });
    const sha256 = meter.digest();
    return sha256 === undefined ? { size: meter.bytes } : { size: meter.bytes, sha256 };
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    const file = this.pathOf(key);
    // Opening first and sizing the open file keeps size and bytes consistent if a put renames over it.
    const handle = await this.openEither(key, file);
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new StorageNotFoundError(key);
      if (range === undefined) {
        return { body: handle.createReadStream(), size: info.size, contentLength: info.size };
      }
      const served = resolveRange(key, range, info.size);
      return {
        body: handle.createReadStream({ start: served.start, end: served.end }),
        size: info.size,
        contentLength: served.end - served.start + 1,
        range: served,
      };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const file = this.pathOf(key);
    try {
      const info = await stat(file).catch(async (error: unknown) => {
        const cold = this.coldPathOf(key);
        if (!isMissing(error) || cold === undefined) throw error;
        return stat(cold);
      });
      if (!info.isFile()) return null;
      return {
        size: info.size,
        lastModified: info.mtime,
        etag: `${Math.floor(info.mtimeMs).toString(16)}-${info.size.toString(16)}`,
      };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    const cold = this.coldPathOf(key);
    for (const each of cold === undefined ? [file] : [file, cold]) {
      try {
        await unlink(each);
      } catch (error) {
        if (!isMissing(error) && errorCode(error) !== 'EISDIR') throw error;
      }
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new InvalidStorageKeyError(prefix, 'refusing to delete every object');
    const dir = this.prefixDir(prefix);
    // A file named like the prefix ('a' for 'a/') is not under it.
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory()) await rm(dir, { recursive: true, force: true });
    if (this.coldRoot !== undefined) {
      const coldDir = prefixDirIn(this.coldRoot, prefix);
      if ((await stat(coldDir).catch(() => undefined))?.isDirectory()) {
        await rm(coldDir, { recursive: true, force: true });
      }
    }
  }

  list(prefix: string): AsyncIterable<ListedObject> {
    const dir = this.prefixDir(prefix);
    if (this.coldRoot === undefined) return walk(dir, prefix);
    return this.walkBoth(dir, prefixDirIn(this.coldRoot, prefix), prefix);
  }

  /** The hot folder's objects, then the cold folder's that have no hot copy. */
  private async *walkBoth(hotDir: string, coldDir: string, prefix: string): AsyncGenerator<ListedObject> {
    yield* walk(hotDir, prefix);
    for await (const object of walk(coldDir, prefix)) {
      if ((await stat(this.pathOf(object.key)).catch(() => undefined))?.isFile()) continue;
      yield object;
    }
  }

  async copy(from: string, to: string): Promise<void> {
    const source = this.pathOf(from);
    const target = this.pathOf(to);
    await mkdir(path.dirname(target), { recursive: true });
    await this.writeAtomically(target, async (temp) => {
      const flags = constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL;
      try {
        await copyFile(source, temp, flags).catch(async (error: unknown) => {
          const cold = this.coldPathOf(from);
          if (!isMissing(error) || cold === undefined) throw error;
          await copyFile(cold, temp, flags);
        });
      } catch (error) {
        throw isMissing(error) || errorCode(error) === 'EISDIR' ? new StorageNotFoundError(from) : error;
      }
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const probe = path.join(this.root, `.check-${randomBytes(6).toString('hex')}`);
    await writeFile(probe, '');
    await unlink(probe);
  }

  /** The file path of a key, refused unless the key is valid and the path stays inside the root. */
  private pathOf(key: string): string {
    assertValidKey(key);
    return resolveInside(this.root, key);
  }

  private prefixDir(prefix: string): string {
    assertValidPrefix(prefix);
    return prefixDirIn(this.root, prefix);
  }

  /** The key's path in the cold folder, when there is one. */
  private coldPathOf(key: string): string | undefined {
    assertValidKey(key);
    return this.coldRoot === undefined ? undefined : resolveInside(this.coldRoot, key);
  }

  /** Opens the hot file, or the cold one when only that exists. */
  private async openEither(key: string, file: string) {
    const missing = (error: unknown) => {
      throw isMissing(error) ? new StorageNotFoundError(key) : error;
    };
    return open(file, 'r').catch((error: unknown) => {
      const cold = this.coldPathOf(key);
      if (!isMissing(error) || cold === undefined) return missing(error);
      return open(cold, 'r').catch(missing);
    });
  }

  /** Runs `write` against a temporary file beside `target`, then renames it over `target`. */
  private async writeAtomically(target: string, write: (temp: string) => Promise<void>): Promise<void> {
    const temp = path.join(path.dirname(target), `.${randomBytes(8).toString('hex')}.tmp`);
    try {
      await write(temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

/** Resolves `relative` under `root` and throws unless the result is strictly inside `root`. */
export function resolveInside(root: string, relative: string): string {
  const resolved = path.resolve(root, relative);
  if (!resolved.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
    throw new InvalidStorageKeyError(relative, 'resolves outside the storage folder');
  }
  return resolved;
}

function prefixDirIn(root: string, prefix: string): string {
  return prefix === '' ? root : resolveInside(root, prefix.slice(0, -1));
}

/** Yields the files under `dir` as keys starting with `prefix`; dot-names (temporary files) are skipped. */
async function* walk(dir: string, prefix: string): AsyncGenerator<ListedObject> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      yield* walk(full, `${prefix}${entry.name}/`);
    } else if (entry.isFile()) {
      const info = await stat(full).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      if (info) yield { key: prefix + entry.name, size: info.size };
    }
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
