import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseConfig } from '../../test/databases.ts';
import { OPERATOR_KEY } from '../../test/test-kino.ts';
import { loadConfig } from '../config/config.ts';
import { FsStorage } from '../storage/fs-storage.ts';
import { StorageColdError, type Storage } from '../storage/storage.ts';
import { createKino } from '../system/kino.ts';
import { createBackup } from './backup-create.ts';
import { silentProgress } from './backup-progress.ts';
import { BackupStore } from './backup-store.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/**
 * An original moved to an archival class (S3 GLACIER, DEEP_ARCHIVE) has a new date and cannot be
 * read until restored. Here the storage plays that part for one key: its date moves on and its
 * reads are refused with StorageColdError.
 */
function archived(storage: Storage, key: string): Storage {
  return Object.assign(Object.create(storage) as Storage, {
    get: (k: string, range?: Parameters<Storage['get']>[1]) =>
      k === key ? Promise.reject(new StorageColdError(k)) : storage.get(k, range),
    head: async (k: string) => {
      const info = await storage.head(k);
      return info && k === key
        ? { ...info, lastModified: new Date(info.lastModified.getTime() + 86_400_000) }
        : info;
    },
  });
}

describe('backups of originals in cold storage', () => {
  it('keep the previous copy of an archived original, and fail naming one never backed up', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-cold-'));
    const config = {
      ...loadConfig({ KINO_DATA_DIR: dataDir }),
      database: await freshDatabaseConfig('sqlite'),
    };
    const kino = await createKino(config, { operatorKey: OPERATOR_KEY });
    cleanups.push(async () => {
      await kino.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    await kino.storage.put('upl_old', Buffer.from('an original backed up before it went cold'));
    const store = new BackupStore(new FsStorage(path.join(dataDir, 'backups')), '');
    const live = (storage: Storage) => ({ config, db: kino.database.db, storage });
    const opts = { includeSecrets: false, passphrase: undefined, progress: silentProgress };

    const first = await createBackup(live(kino.storage), store, opts);
    const before = first.manifest.objects.find((o) => o.key === 'upl_old');
    expect(before).toBeDefined();

    const second = await createBackup(live(archived(kino.storage, 'upl_old')), store, opts);
    expect(second.manifest.objects.find((o) => o.key === 'upl_old')?.sha256).toBe(before?.sha256);
    expect(second.addedBytes).toBe(0);

    const fresh = new BackupStore(new FsStorage(path.join(dataDir, 'other-backups')), '');
    await expect(createBackup(live(archived(kino.storage, 'upl_old')), fresh, opts)).rejects.toBeInstanceOf(
      StorageColdError,
    );
  });
});
