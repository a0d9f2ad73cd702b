import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config/config.ts';
import { migrateToLatest, openDatabase } from '../db/database.ts';
import type { Storage } from '../storage/storage.ts';
import { ByteMeter } from '../storage/byte-meter.ts';
import { OPERATOR_KEY_FILE } from './backup-create.ts';
import { BackupDatabaseRepository } from './backup-database.repository.ts';
import { BackupIntegrityError, BackupRefusedError } from './backup-errors.ts';
import { counted, forEachLimit } from './backup-io.ts';
import type { BackupManifest } from './backup-manifest.ts';
import type { BackupProgress } from './backup-progress.ts';
import { openSecrets, type BackupSecrets } from './backup-secrets.ts';
import type { BackupStore } from './backup-store.ts';
import { loadSnapshot } from './database-snapshot.ts';

export interface RestoreOptions {
  id: string | undefined;
  passphrase: string | undefined;
  progress: BackupProgress;
  concurrency?: number;
}

export interface RestoreReport {
  id: string;
  objects: number;
  bytes: number;
  /** Migrations run after loading the snapshot (a backup of an older Kino). */
  migrated: string[];
  secretsRestored: boolean;
  counts: { tenants: number; media: number; users: number };
  durationMs: number;
}

/**
 * Restores a backup into an empty database, storage and data folder (anything else is refused):
 * the secrets are opened first (a wrong passphrase stops before anything is written), the
 * objects are copied with their hashes checked (a mismatch removes what was copied and stops),
 * then the database is loaded, migrated forward and given its secrets.
 */
export async function restoreBackup(
  target: { config: Pick<Config, 'database' | 'dataDir'>; storage: Storage },
  store: BackupStore,
  opts: RestoreOptions,
): Promise<RestoreReport> {
  const started = Date.now();
  const { progress } = opts;
  const manifest = await chooseManifest(store, opts.id);
  if (manifest.database.dialect !== target.config.database.kind) {
    throw new BackupRefusedError(
      `backup ${manifest.id} holds a ${manifest.database.dialect} database; the configured one is ${target.config.database.kind} (set KINO_DATABASE_URL to match)`,
    );
  }
  await refuseNonEmpty(target);

  let secrets: BackupSecrets | undefined;
  if (manifest.secrets) {
    if (!opts.passphrase) {
      throw new BackupRefusedError(
        `backup ${manifest.id} holds encrypted secrets: set KINO_BACKUP_PASSPHRASE to the passphrase it was made with`,
      );
    }
    const sealed = await readAll(store, manifest, 'secrets');
    secrets = await openSecrets(sealed, opts.passphrase);
  }

  progress.step('checking the backup');
  const missing: string[] = [];
  const unique = [...new Map(manifest.objects.map((o) => [o.sha256, o])).values()];
  await forEachLimit(unique, 8, async (object) => {
    const info = await store.headObject(object.sha256);
    if (!info || info.size !== object.size)
      missing.push(`${object.key} (object ${object.sha256}${info ? ', wrong size' : ''})`);
  });
  if (missing.length) {
    throw new BackupIntegrityError(
      `backup ${manifest.id} is damaged, nothing restored: ${missing.length} object(s) missing or truncated: ${missing.slice(0, 10).join(', ')}`,
    );
  }

  const scratch = await mkdtemp(path.join(os.tmpdir(), 'backup-restore-'));
  const written: string[] = [];
  try {
    const dumpFile = path.join(scratch, 'database');
    const dump = await store.getFile(manifest.id, 'database');
    const meter = new ByteMeter({ sha256: true, expectedSize: manifest.database.size });
    await pipeline(dump.body, meter, createWriteStream(dumpFile));
    if (meter.digest() !== manifest.database.sha256) {
      throw new BackupIntegrityError(
        `backup ${manifest.id}: the database snapshot does not match its checksum`,
      );
    }

    const total = manifest.objects.reduce((sum, o) => sum + o.size, 0);
    progress.step(`objects (${manifest.objects.length})`, total);
    try {
      await forEachLimit(manifest.objects, opts.concurrency ?? 4, async (object) => {
        const { body } = await store.getObject(object.sha256);
        written.push(object.key);
        const put = await target.storage.put(object.key, counted(body, progress.advance), {
          sha256: true,
          size: object.size,
        });
        if (put.sha256 !== object.sha256) {
          throw new BackupIntegrityError(
            `backup ${manifest.id} is damaged: ${object.key} (object ${object.sha256}) does not match its checksum`,
          );
        }
      });
    } catch (err) {
      progress.step('removing the objects copied');
      await forEachLimit(written, 8, (key) => target.storage.delete(key));
      if (
        err instanceof Error &&
        /size|longer|shorter/i.test(err.message) &&
        !(err instanceof BackupIntegrityError)
      ) {
        throw new BackupIntegrityError(`backup ${manifest.id} is damaged: ${err.message}`);
      }
      throw err;
    }

    progress.step('database');
    if (target.config.database.kind === 'sqlite') {
      await removeEmptySqlite(target.config.database.file);
      await mkdir(path.dirname(target.config.database.file), { recursive: true });
    }
    await loadSnapshot(target.config.database, manifest.database.dialect, dumpFile);
    const handle = openDatabase(target.config.database, { poolSize: 1 });
    let migrated: string[];
    let counts;
    try {
      migrated = await migrateToLatest(handle.db);
      const repository = new BackupDatabaseRepository(handle.db, handle.dialect);
      if (secrets) await repository.restoreSigningKeys(secrets.signingKeys);
      counts = await repository.counts();
    } finally {
      await handle.close();
    }
    if (secrets?.operatorKey) {
      await mkdir(target.config.dataDir, { recursive: true });
      await writeFile(path.join(target.config.dataDir, OPERATOR_KEY_FILE), `${secrets.operatorKey}\n`, {
        mode: 0o600,
        flag: 'wx',
      });
    }
    progress.end();
    return {
      id: manifest.id,
      objects: manifest.objects.length,
      bytes: total,
      migrated,
      secretsRestored: secrets !== undefined,
      counts,
      durationMs: Date.now() - started,
    };
  } finally {
    progress.end();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The backup named, or the newest one. */
export async function chooseManifest(store: BackupStore, id: string | undefined): Promise<BackupManifest> {
  const ids = await store.listIds();
  const chosen = id ?? ids.at(-1);
  if (chosen === undefined) throw new BackupRefusedError('there is no backup at this location');
  if (!ids.includes(chosen)) throw new BackupRefusedError(`there is no backup ${chosen} at this location`);
  return store.readManifest(chosen);
}

export async function readAll(
  store: BackupStore,
  manifest: BackupManifest,
  file: 'secrets',
): Promise<Buffer> {
  const { body } = await store.getFile(manifest.id, file);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function refuseNonEmpty(target: {
  config: Pick<Config, 'database' | 'dataDir'>;
  storage: Storage;
}): Promise<void> {
  const problems: string[] = [];
  for await (const object of target.storage.list('')) {
    problems.push(`the storage already holds objects (${object.key}, …)`);
    break;
  }
  const { database } = target.config;
  if (database.kind === 'postgres' || (await exists(database.file))) {
    const handle = openDatabase(database, { poolSize: 1 });
    try {
      if (!(await new BackupDatabaseRepository(handle.db, handle.dialect).isEmpty())) {
        problems.push('the database already has tables');
      }
    } finally {
      await handle.close();
    }
  }
  if (await exists(path.join(target.config.dataDir, OPERATOR_KEY_FILE))) {
    problems.push(`the data folder already has an operator key (${OPERATOR_KEY_FILE})`);
  }
  if (problems.length) {
    throw new BackupRefusedError(`restore refused: the target is not empty: ${problems.join('; ')}`);
  }
}

async function removeEmptySqlite(file: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await unlink(file + suffix).catch(() => undefined);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
