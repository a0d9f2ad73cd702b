import type { FastifyBaseLogger } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { BackupConfig } from '../config/config.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import { createStorage } from '../storage/create-storage.ts';
import { createBackup } from './backup-create.ts';
import type { LiveSystem } from './backup-io.ts';
import { parseBackupLocation } from './backup-location.ts';
import { silentProgress } from './backup-progress.ts';
import { pruneBackups } from './backup-prune.ts';
import type { BackupRunsRepository } from './backup-runs.repository.ts';
import { BackupStore } from './backup-store.ts';

export interface ScheduledBackupDeps {
  live: LiveSystem;
  settings: BackupConfig;
  /** With a passphrase, scheduled backups include the secrets (encrypted). */
  passphrase: string | undefined;
  runs: BackupRunsRepository;
  logger: FastifyBaseLogger;
  now: () => number;
}

/**
 * The `backup.scheduled` job (KINO_BACKUP_URL / _EVERY / _KEEP): one backup, then pruning to the
 * newest KINO_BACKUP_KEEP; each run is recorded for the metrics. Without KINO_BACKUP_URL it does nothing.
 */
export function scheduledBackupHandler(
  deps: ScheduledBackupDeps | undefined,
): JobHandler<Record<string, never>> {
  return async () => {
    if (!deps) return;
    const location = parseBackupLocation(deps.settings.url);
    const store = new BackupStore(createStorage(location.storage), location.prefix);
    const run = await deps.runs.start(deps.now());
    try {
      const made = await createBackup(deps.live, store, {
        includeSecrets: deps.passphrase !== undefined,
        passphrase: deps.passphrase,
        progress: silentProgress,
      });
      const pruned = await pruneBackups(store, deps.settings.keep);
      await deps.runs.finish(run, deps.now(), {
        status: 'completed',
        backupId: made.manifest.id,
        addedBytes: made.addedBytes,
      });
      deps.logger.info(
        {
          backup: made.manifest.id,
          location: location.display,
          objects: made.manifest.objects.length,
          addedBytes: made.addedBytes,
          durationMs: made.durationMs,
          pruned: pruned.removed.length,
        },
        'backup completed',
      );
    } catch (err) {
      await deps.runs.finish(run, deps.now(), {
        status: 'failed',
        error: err instanceof Error ? err.message : String(err),
      });
      deps.logger.error({ err, location: location.display }, 'backup failed');
      throw err;
    }
  };
}

/**
 * `kino_backup_last_success_age_seconds` (-1 before the first) and `kino_backup_overdue` (1 when
 * the last success is older than twice the interval, or there has been none for that long since start).
 */
export function registerBackupMetrics(
  registry: Registry,
  runs: Pick<BackupRunsRepository, 'lastCompletedAt'>,
  settings: BackupConfig,
  now: () => number,
): void {
  const startedAt = now();
  const lastAge = async () => {
    const last = await runs.lastCompletedAt();
    return last === null ? null : Math.max(0, (now() - last) / 1000);
  };
  new Gauge({
    name: 'kino_backup_last_success_age_seconds',
    help: 'Seconds since the last scheduled backup completed (-1: none yet)',
    registers: [registry],
    async collect() {
      this.set((await lastAge()) ?? -1);
    },
  });
  new Gauge({
    name: 'kino_backup_interval_seconds',
    help: 'The scheduled backup interval (KINO_BACKUP_EVERY)',
    registers: [registry],
    collect() {
      this.set(settings.everyMs / 1000);
    },
  });
  new Gauge({
    name: 'kino_backup_overdue',
    help: '1 when the last backup is older than twice KINO_BACKUP_EVERY (a warning), else 0',
    registers: [registry],
    async collect() {
      const age = (await lastAge()) ?? (now() - startedAt) / 1000;
      this.set(age > (2 * settings.everyMs) / 1000 ? 1 : 0);
    },
  });
}
