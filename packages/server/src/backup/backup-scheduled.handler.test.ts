import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabaseConfig } from '../../test/databases.ts';
import { OPERATOR_KEY } from '../../test/test-kino.ts';
import { loadConfig, type Config } from '../config/config.ts';
import { createStorage } from '../storage/create-storage.ts';
import { createKino, type Kino } from '../system/kino.ts';
import { parseBackupLocation } from './backup-location.ts';
import { scheduledBackupHandler } from './backup-scheduled.handler.ts';
import { BackupStore } from './backup-store.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function kinoWithBackups(
  dialect: (typeof DIALECTS)[number],
  url: string,
): Promise<Kino & { config: Config }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-scheduled-'));
  const config: Config = {
    ...loadConfig({
      KINO_DATA_DIR: dataDir,
      KINO_BACKUP_URL: url,
      KINO_BACKUP_EVERY: '1h',
      KINO_BACKUP_KEEP: '2',
      KINO_BACKUP_PASSPHRASE: 'scheduled backups passphrase',
    }),
    database: await freshDatabaseConfig(dialect),
  };
  const kino = await createKino(config, { operatorKey: OPERATOR_KEY, workerOptions: { pollMs: 50 } });
  cleanups.push(async () => {
    await kino.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { ...kino, config };
}

const metric = async (kino: Kino, name: string) => {
  const res = await kino.app.inject({ method: 'GET', url: '/metrics' });
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(res.body)?.[1]);
};

describe.each(DIALECTS)('scheduled backups on %s', (dialect) => {
  it('run as a recurring job once KINO_BACKUP_URL is set, keep KINO_BACKUP_KEEP, and report their age', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-scheduled-store-'));
    cleanups.push(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    });
    const kino = await kinoWithBackups(dialect, `file://${dir}`);
    expect(await metric(kino, 'kino_backup_last_success_age_seconds')).toBe(-1);
    expect(await metric(kino, 'kino_backup_overdue')).toBe(0);
    await kino.storage.put('media/t/m/v/a.bin', Buffer.from('bytes'));

    kino.start();
    await expect
      .poll(() => kino.repos.backupRuns.lastCompletedAt(), { timeout: 30_000, interval: 100 })
      .not.toBeNull();
    const location = parseBackupLocation(`file://${dir}`);
    const store = new BackupStore(createStorage(location.storage), location.prefix);
    const [id] = await store.listIds();
    const manifest = await store.readManifest(id!);
    expect(manifest.objects.map((o) => o.key)).toEqual(['media/t/m/v/a.bin']);
    expect(manifest.secrets).not.toBeNull();
    expect(await metric(kino, 'kino_backup_last_success_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(await metric(kino, 'kino_backup_interval_seconds')).toBe(3600);

    // Two more runs: the oldest is pruned.
    const handler = scheduledBackupHandler({
      live: { config: kino.config, db: kino.database.db, storage: kino.storage },
      settings: kino.config.backup!,
      passphrase: undefined,
      runs: kino.repos.backupRuns,
      logger: pino({ level: 'silent' }),
      now: Date.now,
    });
    const run = () => handler({} as Parameters<typeof handler>[0]);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // ids are to the second
    await run();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await run();
    const ids = await store.listIds();
    expect(ids).toHaveLength(2);
    expect(ids).not.toContain(id);
  }, 60_000);

  it('keep a deleted media’s objects for one backup interval, so the newest backup never names a removed object', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-scheduled-store-'));
    const kino = await kinoWithBackups(dialect, `file://${dir}`);
    const auth = { authorization: `Bearer ${OPERATOR_KEY}` };
    const tenant = await kino.app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: auth,
      payload: { name: 'acme' },
    });
    const key = tenant.json<{ apiKey: string }>().apiKey;
    const media = await kino.app.inject({
      method: 'POST',
      url: '/v1/media',
      headers: { authorization: `Bearer ${key}` },
      payload: { title: 'gone' },
    });
    const deletedAt = Date.now();
    const deleted = await kino.app.inject({
      method: 'DELETE',
      url: `/v1/media/${media.json<{ id: string }>().id}`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(deleted.statusCode).toBe(204);
    const removals = await kino.database.db
      .selectFrom('jobs')
      .select('run_at')
      .where('type', '=', 'media.remove-files')
      .execute();
    expect(removals.length).toBeGreaterThan(0);
    for (const job of removals) expect(job.run_at).toBeGreaterThanOrEqual(deletedAt + 3600_000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records a failed run and fails the job', async () => {
    // A location below a file: nothing can be written there.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'backup-file-')), 'a-file');
    fs.writeFileSync(file, '');
    const kino = await kinoWithBackups(dialect, `file://${file}/backups`);
    const handler = scheduledBackupHandler({
      live: { config: kino.config, db: kino.database.db, storage: kino.storage },
      settings: kino.config.backup!,
      passphrase: undefined,
      runs: kino.repos.backupRuns,
      logger: pino({ level: 'silent' }),
      now: Date.now,
    });
    await expect(handler({} as Parameters<typeof handler>[0])).rejects.toThrow();
    expect(await kino.repos.backupRuns.lastCompletedAt()).toBeNull();
  });
});
