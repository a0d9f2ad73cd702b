import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DatabaseConfig } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import { sha256Of } from '../lib/sha256.ts';
import { ByteMeter } from '../storage/byte-meter.ts';
import { StorageNotFoundError } from '../storage/storage.ts';
import { counted, forEachLimit } from './backup-io.ts';
import type { BackupProgress } from './backup-progress.ts';
import { chooseManifest, readAll } from './backup-restore.ts';
import { openSecrets } from './backup-secrets.ts';
import type { BackupStore } from './backup-store.ts';
import { checkSnapshot, type ScratchCheck } from './database-snapshot.ts';

export interface VerifyReport {
  id: string;
  objects: number;
  bytes: number;
  /** Everything wrong, one line each, naming the object; empty when the backup is sound. */
  problems: string[];
  database: ScratchCheck | undefined;
  secrets: 'absent' | 'opened' | 'present (not opened: no passphrase given)';
}

/**
 * Reads every object of a backup and checks its size and hash, restores the database snapshot
 * into a scratch database and reads it, and opens the secrets when a passphrase is given. The
 * live database is used only to create (and drop) a scratch PostgreSQL database.
 */
export async function verifyBackup(
  store: BackupStore,
  opts: {
    id: string | undefined;
    passphrase: string | undefined;
    live: { config: DatabaseConfig; db: Db } | undefined;
    progress: BackupProgress;
  },
): Promise<VerifyReport> {
  const manifest = await chooseManifest(store, opts.id);
  const { progress } = opts;
  const problems: string[] = [];
  const byHash = new Map<string, { keys: string[]; size: number }>();
  for (const o of manifest.objects) {
    const entry = byHash.get(o.sha256) ?? { keys: [], size: o.size };
    entry.keys.push(o.key);
    byHash.set(o.sha256, entry);
  }
  const bytes = [...byHash.values()].reduce((sum, e) => sum + e.size, 0);
  progress.step(`objects (${byHash.size})`, bytes);
  await forEachLimit([...byHash.entries()], 4, async ([sha256, { keys, size }]) => {
    const names = `${keys.join(', ')} (object ${sha256})`;
    let got;
    try {
      got = await store.getObject(sha256);
    } catch (err) {
      if (err instanceof StorageNotFoundError) {
        problems.push(`missing: ${names}`);
        return;
      }
      throw err;
    }
    if (got.size !== size) {
      got.body.destroy();
      problems.push(`wrong size (${got.size}, expected ${size}): ${names}`);
      return;
    }
    const actual = await sha256Of(counted(got.body, progress.advance));
    if (actual !== sha256) problems.push(`checksum mismatch: ${names}`);
  });

  let database: ScratchCheck | undefined;
  progress.step('database');
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'backup-verify-'));
  try {
    const file = path.join(scratch, 'database');
    const meter = new ByteMeter({ sha256: true });
    await pipeline((await store.getFile(manifest.id, 'database')).body, meter, createWriteStream(file));
    if (meter.bytes !== manifest.database.size || meter.digest() !== manifest.database.sha256) {
      problems.push('checksum mismatch: the database snapshot');
    } else {
      try {
        database = await checkSnapshot(manifest.database.dialect, file, opts.live);
      } catch (err) {
        problems.push(
          `the database snapshot does not restore: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  } catch (err) {
    if (!(err instanceof StorageNotFoundError)) throw err;
    problems.push('missing: the database snapshot');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  let secrets: VerifyReport['secrets'] = 'absent';
  if (manifest.secrets) {
    secrets = 'present (not opened: no passphrase given)';
    try {
      const sealed = await readAll(store, manifest, 'secrets');
      const sha256 = createHash('sha256').update(sealed).digest('hex');
      if (sha256 !== manifest.secrets.sha256) problems.push('checksum mismatch: the secrets file');
      else if (opts.passphrase) {
        await openSecrets(sealed, opts.passphrase);
        secrets = 'opened';
      }
    } catch (err) {
      problems.push(
        err instanceof StorageNotFoundError ? 'missing: the secrets file' : (err as Error).message,
      );
    }
  }
  progress.end();
  return {
    id: manifest.id,
    objects: manifest.objects.length,
    bytes,
    problems: problems.sort(),
    database,
    secrets,
  };
}
