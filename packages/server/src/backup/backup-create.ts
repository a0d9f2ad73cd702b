import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StorageColdError, StorageNotFoundError } from '../storage/storage.ts';
import { backupId, type BackupManifest, type BackupObject } from './backup-manifest.ts';
import { planObjects, type LiveObject } from './backup-plan.ts';
import type { BackupProgress } from './backup-progress.ts';
import { sealSecrets } from './backup-secrets.ts';
import type { BackupStore } from './backup-store.ts';
import { BackupRefusedError } from './backup-errors.ts';
import { counted, forEachLimit, type LiveSystem } from './backup-io.ts';
import { fileSize, snapshotDatabase } from './database-snapshot.ts';

export interface CreateBackupOptions {
  includeSecrets: boolean;
  passphrase: string | undefined;
  progress: BackupProgress;
  /** Objects read and copied at once. */
  concurrency?: number;
  now?: () => Date;
}

export interface CreatedBackup {
  manifest: BackupManifest;
  /** Objects whose bytes were added to the store by this backup, and their bytes. */
  addedObjects: number;
  addedBytes: number;
  /** Objects read (hashed) because the previous backup did not know them as they are. */
  readObjects: number;
  readBytes: number;
  /** Objects the previous backup already held unchanged (not read at all). */
  unchangedObjects: number;
  durationMs: number;
}

/** The file the operator key is saved in (system/operator-key.ts). */
export const OPERATOR_KEY_FILE = 'operator-key';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A consistent backup: first the database snapshot, then every stored object (content-addressed,
 * so bytes the store already holds are not copied again), then the manifest, last. Objects written
 * after the snapshot may be included (the restored database does not name them); objects removed
 * before they were read are listed as vanished.
 */
export async function createBackup(
  live: LiveSystem,
  store: BackupStore,
  opts: CreateBackupOptions,
): Promise<CreatedBackup> {
  if (opts.includeSecrets && !opts.passphrase) {
    throw new BackupRefusedError(
      '--include-secrets needs KINO_BACKUP_PASSPHRASE (the secrets are encrypted with it)',
    );
  }
  const started = Date.now();
  const now = opts.now?.() ?? new Date();
  const id = backupId(now, randomSuffix());
  const { progress } = opts;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'backup-create-'));
  try {
    progress.step('database snapshot');
    const dumpFile = path.join(scratch, 'database');
    const snapshot = await snapshotDatabase(live.config.database, live.db, dumpFile);
    const dumpSize = await fileSize(dumpFile);
    progress.step('database upload', dumpSize);
    const dump = await store.putFile(
      id,
      'database',
      counted(createReadStream(dumpFile), progress.advance),
      dumpSize,
    );

    let secrets: BackupManifest['secrets'] = null;
    if (opts.includeSecrets && opts.passphrase) {
      const sealed = await sealSecrets(
        { signingKeys: snapshot.signingKeys, operatorKey: await readOperatorKey(live.config.dataDir) },
        opts.passphrase,
      );
      const put = await store.putFile(id, 'secrets', sealed, sealed.length);
      secrets = { sha256: put.sha256 ?? '', size: put.size };
    }

    progress.step('listing objects');
    const previous = await latestManifest(store);
    const storedHashes = await store.storedHashes();
    const liveObjects = await listLive(live, opts.concurrency ?? 8);
    const plan = planObjects(liveObjects, previous?.objects ?? [], storedHashes);
    const previousByKey = new Map((previous?.objects ?? []).map((o) => [o.key, o]));

    const readBytesTotal = plan.toRead.reduce((sum, o) => sum + o.size, 0);
    progress.step(
      `objects (${plan.toRead.length} to read, ${plan.unchanged.length} unchanged)`,
      readBytesTotal,
    );
    const read: BackupObject[] = [];
    const vanished: string[] = [];
    let addedObjects = 0;
    const addedHashes = new Set<string>();
    let addedBytes = 0;
    let readBytes = 0;
    await forEachLimit(plan.toRead, opts.concurrency ?? 4, async (object) => {
      let body;
      try {
        body = (await live.storage.get(object.key)).body;
      } catch (err) {
        if (err instanceof StorageNotFoundError) {
          vanished.push(object.key);
          return;
        }
        // An original moved to an archival class (cold storage) has a new date but the same bytes:
        // the previous backup's copy stands for it while it cannot be read.
        const before = err instanceof StorageColdError ? previousByKey.get(object.key) : undefined;
        if (before && before.size === object.size && storedHashes.has(before.sha256)) {
          read.push({
            key: before.key,
            sha256: before.sha256,
            size: before.size,
            modifiedMs: object.modifiedMs,
            ...(object.etag === undefined ? {} : { etag: object.etag }),
          });
          return;
        }
        throw err;
      }
      const stored = await store.putObject(counted(body, progress.advance), undefined);
      readBytes += stored.size;
      // Two keys with the same bytes may both be stored at once: their bytes count once.
      if (stored.added && !addedHashes.has(stored.sha256)) {
        addedHashes.add(stored.sha256);
        addedObjects++;
        addedBytes += stored.size;
      }
      read.push({
        key: object.key,
        sha256: stored.sha256,
        size: stored.size,
        modifiedMs: object.modifiedMs,
        ...(object.etag === undefined ? {} : { etag: object.etag }),
      });
    });

    const manifest: BackupManifest = {
      format: 'kino-backup',
      version: 1,
      id,
      createdAt: now.toISOString(),
      database: {
        dialect: live.config.database.kind,
        schema: snapshot.schema,
        sha256: dump.sha256 ?? '',
        size: dump.size,
      },
      secrets,
      objects: [...plan.unchanged, ...read].sort((a, b) => (a.key < b.key ? -1 : 1)),
      vanished: vanished.sort(),
    };
    progress.step('manifest');
    await store.writeManifest(manifest);
    progress.end();
    return {
      manifest,
      addedObjects,
      addedBytes,
      readObjects: read.length,
      readBytes,
      unchangedObjects: plan.unchanged.length,
      durationMs: Date.now() - started,
    };
  } finally {
    progress.end();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The newest complete backup in the store, if any can be read. */
export async function latestManifest(store: BackupStore): Promise<BackupManifest | undefined> {
  const ids = await store.listIds();
  for (const id of ids.reverse()) {
    try {
      return await store.readManifest(id);
    } catch {
      // An unreadable manifest only costs this backup its shortcut: every object is read again.
    }
  }
  return undefined;
}

async function listLive(live: LiveSystem, concurrency: number): Promise<LiveObject[]> {
  const keys: string[] = [];
  for await (const object of live.storage.list('')) keys.push(object.key);
  const out: LiveObject[] = [];
  await forEachLimit(keys, concurrency, async (key) => {
    const info = await live.storage.head(key);
    if (info) out.push({ key, size: info.size, modifiedMs: info.lastModified.getTime(), etag: info.etag });
  });
  return out;
}

async function readOperatorKey(dataDir: string): Promise<string | null> {
  try {
    return (await readFile(path.join(dataDir, OPERATOR_KEY_FILE), 'utf8')).trim() || null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function randomSuffix(): string {
  return [...randomBytes(6)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}
