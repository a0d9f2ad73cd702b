import fs from 'node:fs';
import path from 'node:path';
import type { PreviousUpload, UrlStorage } from 'tus-js-client';

type Stored = Omit<PreviousUpload, 'urlStorageKey'>;

/**
 * A tus-js-client URL storage in one JSON file (mode 0600), so that an upload interrupted in one
 * Node.js process resumes in the next: pass it as `urlStorage` to `kino.upload`. Writes go to a
 * temporary file renamed into place, so a crash never leaves half a file.
 *
 * @example
 * import { jsonFileUrlStorage } from '@kino/sdk/node';
 * const urlStorage = jsonFileUrlStorage(path.join(os.homedir(), '.config/kino/tus-uploads.json'));
 * await kino.upload(fs.createReadStream('talk.mp4'), { urlStorage });
 */
export function jsonFileUrlStorage(file: string): UrlStorage {
  const read = (): Record<string, Stored> => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Stored>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  };
  const write = (entries: Record<string, Stored>): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(entries, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, file);
  };
  const list = (prefix: string): PreviousUpload[] =>
    Object.entries(read())
      .filter(([key]) => key.startsWith(prefix))
      .map(([urlStorageKey, stored]) => ({ ...stored, urlStorageKey }));
  return {
    findAllUploads: async () => list('tus::'),
    findUploadsByFingerprint: async (fingerprint) => list(`tus::${fingerprint}::`),
    removeUpload: async (key) => {
      const entries = read();
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- entries is a plain record keyed by storage key
      delete entries[key];
      write(entries);
    },
    addUpload: async (fingerprint, upload) => {
      const key = `tus::${fingerprint}::${Math.random().toString(36).slice(2)}`;
      const entries = read();
      const { urlStorageKey: _unused, ...stored } = upload;
      entries[key] = stored;
      write(entries);
      return key;
    },
  };
}
