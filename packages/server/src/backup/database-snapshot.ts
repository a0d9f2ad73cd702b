import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseConfig } from '../config/config.ts';
import { migrateToLatest, openDatabase, type Db, type Dialect } from '../db/database.ts';
import { BackupDatabaseRepository } from './backup-database.repository.ts';
import { BackupError } from './backup-errors.ts';
import type { BackupSecrets } from './backup-secrets.ts';

export interface DatabaseSnapshot {
  schema: string;
  signingKeys: BackupSecrets['signingKeys'];
}

/** A PostgreSQL tool that failed; its message ends with the tool's last error lines. */
export class DatabaseToolError extends BackupError {
  override name = 'DatabaseToolError';
}

/**
 * Writes a consistent snapshot of the live database to `file`, without the playback signing keys
 * (they are returned, to be sealed apart). SQLite: `VACUUM INTO`; PostgreSQL: `pg_dump` (custom
 * format) in the snapshot of a transaction that also reads the keys.
 */
export async function snapshotDatabase(
  config: DatabaseConfig,
  db: Db,
  file: string,
): Promise<DatabaseSnapshot> {
  const live = new BackupDatabaseRepository(db, config.kind);
  if (config.kind === 'sqlite') {
    await live.vacuumInto(file);
    return withSqliteFile(file, async (copy) => {
      const snapshot = { schema: await copy.schemaLevel(), signingKeys: await copy.signingKeys() };
      await copy.removeSigningKeys();
      return snapshot;
    });
  }
  return live.withExportedSnapshot(async (snapshot, inSnapshot) => {
    const read = { schema: await inSnapshot.schemaLevel(), signingKeys: await inSnapshot.signingKeys() };
    const { url, env } = splitPassword(config.url);
    await runTool(
      'pg_dump',
      [
        '--format=custom',
        '--no-owner',
        '--no-privileges',
        `--snapshot=${snapshot}`,
        '--exclude-table-data=signing_keys',
        `--file=${file}`,
        `--dbname=${url}`,
      ],
      env,
    );
    return read;
  });
}

/** Loads a snapshot into the configured database, which must be empty (checked by the caller). */
export async function loadSnapshot(config: DatabaseConfig, dialect: Dialect, file: string): Promise<void> {
  if (dialect !== config.kind) {
    throw new DatabaseToolError(
      `this backup holds a ${dialect} database; the configured one is ${config.kind}`,
    );
  }
  if (config.kind === 'sqlite') {
    // The target must not exist: a restore never overwrites a database.
    await copyFile(file, config.file, constants.COPYFILE_EXCL);
    return;
  }
  const { url, env } = splitPassword(config.url);
  await runTool(
    'pg_restore',
    ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${url}`, file],
    env,
  );
}

export interface ScratchCheck {
  /** What was checked, in words, for the report. */
  checked: string;
  counts?: { tenants: number; media: number; users: number };
}

/**
 * Restores a snapshot into a scratch database, migrates it forward and reads it, without touching
 * the live one. SQLite: a temporary file; PostgreSQL: a temporary database on the server of
 * `live` (when it is PostgreSQL and may create databases), else only the archive's table of contents.
 */
export async function checkSnapshot(
  dialect: Dialect,
  file: string,
  live: { config: DatabaseConfig; db: Db } | undefined,
): Promise<ScratchCheck> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'backup-verify-'));
    try {
      const scratch = path.join(dir, 'kino.sqlite');
      await copyFile(file, scratch);
      return await withSqliteFile(scratch, async (copy, db) => {
        const integrity = await copy.integrityCheck();
        if (integrity !== 'ok') throw new DatabaseToolError(`the database snapshot is damaged: ${integrity}`);
        await migrateToLatest(db);
        return {
          checked: 'restored into a scratch SQLite file, integrity ok, migrated',
          counts: await copy.counts(),
        };
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (live?.config.kind !== 'postgres') {
    await runTool('pg_restore', ['--list', file], {});
    return { checked: 'PostgreSQL archive readable (no PostgreSQL server configured to restore it into)' };
  }
  const name = `kino_verify_${randomBytes(6).toString('hex')}`;
  const admin = new BackupDatabaseRepository(live.db, 'postgres');
  await admin.createScratchDatabase(name);
  try {
    const url = new URL(live.config.url);
    url.pathname = `/${name}`;
    const scratch: DatabaseConfig = { kind: 'postgres', url: url.toString() };
    await loadSnapshot(scratch, 'postgres', file);
    const handle = openDatabase(scratch, { poolSize: 1 });
    try {
      await migrateToLatest(handle.db);
      const counts = await new BackupDatabaseRepository(handle.db, 'postgres').counts();
      return { checked: 'restored into a scratch PostgreSQL database, migrated', counts };
    } finally {
      await handle.close();
    }
  } finally {
    await admin.dropScratchDatabase(name);
  }
}

/** Opens a SQLite file (a snapshot or a scratch copy) for `work`, then closes it. */
async function withSqliteFile<T>(
  file: string,
  work: (repository: BackupDatabaseRepository, db: Db) => Promise<T>,
): Promise<T> {
  const handle = openDatabase({ kind: 'sqlite', file }, { poolSize: 1 });
  try {
    return await work(new BackupDatabaseRepository(handle.db, 'sqlite'), handle.db);
  } finally {
    await handle.close();
  }
}

export async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}

/** Keeps the password out of the tools' command lines (visible to every user of the machine). */
function splitPassword(value: string): { url: string; env: Record<string, string> } {
  const url = new URL(value);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { url: url.toString(), env: password ? { PGPASSWORD: password } : {} };
}

function runTool(
  command: 'pg_dump' | 'pg_restore',
  args: string[],
  env: Record<string, string>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new DatabaseToolError(
              `${command} is not installed (Debian: postgresql-client; scripts/ensure-system-deps.sh pgclient)`,
            )
          : err,
      );
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new DatabaseToolError(
            `${command} exited with ${String(code)}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
    });
  });
}
