import { createBackup } from '../backup/backup-create.ts';
import { BackupIntegrityError, BackupRefusedError } from '../backup/backup-errors.ts';
import { parseBackupLocation } from '../backup/backup-location.ts';
import { manifestBytes } from '../backup/backup-manifest.ts';
import { formatBytes, streamProgress, type BackupProgress } from '../backup/backup-progress.ts';
import { pruneBackups } from '../backup/backup-prune.ts';
import { restoreBackup } from '../backup/backup-restore.ts';
import { BackupStore } from '../backup/backup-store.ts';
import { verifyBackup } from '../backup/backup-verify.ts';
import type { Config } from '../config/config.ts';
import { openDatabase } from '../db/database.ts';
import { createStorage } from '../storage/create-storage.ts';

export interface BackupCommandOptions {
  /** The backup location; KINO_BACKUP_URL when not given. */
  url: string | undefined;
  id?: string | undefined;
  includeSecrets?: boolean;
  keep?: number;
  /** KINO_BACKUP_PASSPHRASE. */
  passphrase: string | undefined;
  progress?: BackupProgress;
}

function storeAt(config: Config, url: string | undefined): { store: BackupStore; display: string } {
  const value = url ?? config.backup?.url;
  if (!value) throw new BackupRefusedError('name the backup location (--to/--from URL, or KINO_BACKUP_URL)');
  const location = parseBackupLocation(value);
  return {
    store: new BackupStore(createStorage(location.storage), location.prefix),
    display: location.display,
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function backupCreateCommand(config: Config, opts: BackupCommandOptions): Promise<string> {
  const { store, display } = storeAt(config, opts.url);
  const handle = openDatabase(config.database, { poolSize: 2 });
  try {
    const made = await createBackup(
      { config, db: handle.db, storage: createStorage(config.storage, config.cold) },
      store,
      {
        includeSecrets: opts.includeSecrets ?? false,
        passphrase: opts.passphrase,
        progress: opts.progress ?? streamProgress(process.stderr),
      },
    );
    const m = made.manifest;
    return [
      `backup ${m.id} written to ${display} in ${seconds(made.durationMs)}`,
      `  database: ${m.database.dialect} at ${m.database.schema}, ${formatBytes(m.database.size)}`,
      `  objects: ${m.objects.length} (${formatBytes(manifestBytes(m) - m.database.size)}); ` +
        `${made.addedObjects} copied (${made.addedBytes} bytes), ${made.readObjects - made.addedObjects} already stored, ` +
        `${made.unchangedObjects} unchanged since the last backup`,
      `  secrets: ${m.secrets ? 'included, encrypted' : 'not included'}`,
      ...(m.vanished.length
        ? [`  removed by Kino before they were read: ${m.vanished.length} object(s)`]
        : []),
    ].join('\n');
  } finally {
    await handle.close();
  }
}

export async function backupListCommand(config: Config, opts: BackupCommandOptions): Promise<string> {
  const { store } = storeAt(config, opts.url);
  const lines: string[] = [];
  for (const id of await store.listIds()) {
    try {
      const m = await store.readManifest(id);
      lines.push(
        `${m.id}\t${m.createdAt}\t${m.database.dialect}\t${m.objects.length} objects\t${formatBytes(manifestBytes(m))}\t${m.secrets ? 'secrets' : 'no secrets'}`,
      );
    } catch (err) {
      lines.push(`${id}\tunreadable: ${(err as Error).message}`);
    }
  }
  return lines.join('\n') || '(no backups)';
}

export async function backupVerifyCommand(config: Config, opts: BackupCommandOptions): Promise<string> {
  const { store } = storeAt(config, opts.url);
  // Only a PostgreSQL server is needed (for a scratch database); a SQLite file is never opened.
  const handle =
    config.database.kind === 'postgres' ? openDatabase(config.database, { poolSize: 1 }) : undefined;
  try {
    const report = await verifyBackup(store, {
      id: opts.id,
      passphrase: opts.passphrase,
      live: handle ? { config: config.database, db: handle.db } : undefined,
      progress: opts.progress ?? streamProgress(process.stderr),
    });
    if (report.problems.length) {
      throw new BackupIntegrityError(
        `backup ${report.id} failed verification (${report.problems.length} problem(s)):\n  ${report.problems.join('\n  ')}`,
      );
    }
    const counts = report.database?.counts;
    return [
      `backup ${report.id} is sound: ${report.objects} objects (${formatBytes(report.bytes)}) match their checksums`,
      `  database: ${report.database?.checked ?? ''}${counts ? ` (${counts.tenants} tenants, ${counts.media} media, ${counts.users} users)` : ''}`,
      `  secrets: ${report.secrets}`,
    ].join('\n');
  } finally {
    await handle?.close();
  }
}

export async function backupPruneCommand(config: Config, opts: BackupCommandOptions): Promise<string> {
  const keep = opts.keep ?? config.backup?.keep;
  if (keep === undefined || !Number.isInteger(keep) || keep < 1) {
    throw new BackupRefusedError('--keep N (at least 1) is required, or KINO_BACKUP_KEEP');
  }
  const { store } = storeAt(config, opts.url);
  const report = await pruneBackups(store, keep);
  return `kept ${report.kept.length} backup(s); removed ${report.removed.length}${report.removed.length ? ` (${report.removed.join(', ')})` : ''} and ${report.removedObjects} object(s) no kept backup uses`;
}

export async function restoreCommand(config: Config, opts: BackupCommandOptions): Promise<string> {
  const { store, display } = storeAt(config, opts.url);
  const report = await restoreBackup({ config, storage: createStorage(config.storage, config.cold) }, store, {
    id: opts.id,
    passphrase: opts.passphrase,
    progress: opts.progress ?? streamProgress(process.stderr),
  });
  return [
    `restored backup ${report.id} from ${display} in ${seconds(report.durationMs)}`,
    `  ${report.objects} objects (${formatBytes(report.bytes)}), every checksum matched`,
    `  database: ${report.counts.tenants} tenants, ${report.counts.media} media, ${report.counts.users} users; ` +
      (report.migrated.length ? `migrated forward: ${report.migrated.join(', ')}` : 'schema already current'),
    `  secrets: ${report.secretsRestored ? 'restored (issued playback tokens stay valid)' : 'not in this backup (playback tokens issued before it must be issued again)'}`,
  ].join('\n');
}
