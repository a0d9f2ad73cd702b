import { Transform, type Readable } from 'node:stream';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import type { Storage } from '../storage/storage.ts';

/** The running (or to-be-restored) Kino a backup command works on. */
export interface LiveSystem {
  config: Pick<Config, 'database' | 'dataDir' | 'adminKey'>;
  /** The live database, opened (for a restore: opened only after the snapshot is loaded). */
  db: Db;
  storage: Storage;
}

/** Runs `work` over `items`, at most `limit` at once; the first failure stops taking new items and is thrown. */
export async function forEachLimit<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const lane = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failed !== undefined)
    throw failed instanceof Error ? failed : new Error('a step failed', { cause: failed });
}

/** Passes a stream through, reporting the bytes as they go. */
export function counted(body: Readable, onBytes: (bytes: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
  body.on('error', (err) => counter.destroy(err));
  return body.pipe(counter);
}
