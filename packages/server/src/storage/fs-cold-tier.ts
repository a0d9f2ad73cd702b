import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { StorageNotFoundError, type ColdTier, type TierState } from './storage.ts';

/**
 * The folder adapter's cold tier: a second folder (KINO_COLD_DIR, typically a cheaper, slower
 * disk) holding objects under the same relative paths. A move is a rename when both folders are
 * on one file system; across file systems the object is copied to a temporary file beside its
 * target, fsynced and renamed into place before the source is removed, so at every moment at
 * least one complete copy exists. When both exist (a crash between the steps) the hot one counts.
 */
export class FsColdTier implements ColdTier {
  constructor(
    /** Resolves a key to its hot path (validating it). */
    private readonly hotPath: (key: string) => string,
    /** Resolves a key to its cold path (validating it). */
    private readonly coldPath: (key: string) => string,
  ) {}

  async moveToCold(key: string): Promise<void> {
    const hot = this.hotPath(key);
    const cold = this.coldPath(key);
    if (!(await isFile(hot))) {
      if (await isFile(cold)) return;
      throw new StorageNotFoundError(key);
    }
    await moveFile(hot, cold);
  }

  async restore(key: string): Promise<'hot'> {
    const hot = this.hotPath(key);
    const cold = this.coldPath(key);
    if (await isFile(hot)) {
      // A copy left by a move that stopped half-way; the hot one is complete.
      await rm(cold, { force: true });
      return 'hot';
    }
    if (!(await isFile(cold))) throw new StorageNotFoundError(key);
    await moveFile(cold, hot);
    return 'hot';
  }

  async tierOf(key: string): Promise<TierState | null> {
    if (await isFile(this.hotPath(key))) return { tier: 'hot', readable: true };
    if (await isFile(this.coldPath(key))) return { tier: 'cold', readable: true };
    return null;
  }
}

/** Moves `from` to `to` (replacing it): a rename, or across file systems a durable copy first. */
async function moveFile(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await rename(from, to);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
  }
  const temp = path.join(path.dirname(to), `.${randomBytes(8).toString('hex')}.tmp`);
  try {
    await copyFile(from, temp, constants.COPYFILE_EXCL);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, to);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await unlink(from);
}

async function isFile(file: string): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ?? false;
}
