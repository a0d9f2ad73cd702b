import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Storage } from '../storage/storage.ts';

/**
 * A path ffmpeg can read for a stored object: the file itself on local storage, or a copy
 * streamed into the work folder from object storage.
 */
export async function localSource(storage: Storage, key: string, workdir: string, signal: AbortSignal) {
  if (storage.localPath) return storage.localPath(key);
  const target = path.join(workdir, 'source');
  const { body } = await storage.get(key);
  await pipeline(body, createWriteStream(target), { signal });
  return target;
}
