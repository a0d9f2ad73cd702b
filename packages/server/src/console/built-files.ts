import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** packages/console/dist and packages/player/dist, from src/console or dist/console alike. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url));
export const PLAYER_FILE = fileURLToPath(new URL('../../../player/dist/kino-player.js', import.meta.url));

/** A built file held in memory with its ETag. */
export interface BuiltFile {
  body: Buffer;
  etag: string;
}

/**
 * Reads a build output, or null while it does not exist: a server started before `npm run build`
 * serves the files once they are built, and a rebuild is served without a restart (the file is
 * read again when its size or modification time changes).
 */
export function builtFile(file: string): () => BuiltFile | null {
  let loaded: (BuiltFile & { stamp: string }) | null = null;
  return () => {
    let stamp: string;
    try {
      const stat = fs.statSync(file);
      stamp = `${stat.size}:${stat.mtimeMs}`;
      if (loaded?.stamp === stamp) return loaded;
      const body = fs.readFileSync(file);
      loaded = { body, stamp, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"` };
      return loaded;
    } catch {
      return null;
    }
  };
}
