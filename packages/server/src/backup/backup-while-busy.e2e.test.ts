import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from '@kino/testkit/media';
import { afterAll, describe, expect, it } from 'vitest';
import { startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { tusUpload } from '../../test/media-upload.ts';
import { OPERATOR_KEY } from '../../test/test-kino.ts';
import { loadConfig } from '../config/config.ts';
import type { MediaJson } from '../media/media.schemas.ts';
import { createStorage } from '../storage/create-storage.ts';
import { createKino, type Kino } from '../system/kino.ts';
import { createBackup } from './backup-create.ts';
import { silentProgress } from './backup-progress.ts';
import { restoreBackup } from './backup-restore.ts';
import { BackupStore } from './backup-store.ts';
import { FsStorage } from '../storage/fs-storage.ts';

const dirs: string[] = [];
const tempDir = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `backup-busy-${name}-`));
  dirs.push(dir);
  return dir;
};
let kino: MediaKino | undefined;
let restored: Kino | undefined;
afterAll(async () => {
  await restored?.close();
  await kino?.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a backup taken while uploads and processing run', () => {
  it('restores to media that are each complete, or cleanly waiting or errored, and finish processing', async () => {
    const clip = await generate({ width: 320, height: 180, durationSec: 3 });
    kino = await startMediaKino('sqlite+disk');
    const base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    const tenant = await kino.tenant();
    // Three uploads that end now (their processing runs during the backup) and one left half sent.
    const uploads = await Promise.all(
      [1, 2, 3].map((n) => tusUpload(base, tenant.key, clip, { filename: `${n}.mp4` })),
    );
    const half = await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${tenant.key}`,
        'upload-length': String(fs.statSync(clip).size),
      },
    });
    expect(half.status).toBe(201);

    const store = new BackupStore(new FsStorage(tempDir('store')), '');
    const made = await createBackup(
      { config: kino.config, db: kino.database.db, storage: kino.storage },
      store,
      { includeSecrets: false, passphrase: undefined, progress: silentProgress },
    );
    const atBackup = await Promise.all(
      uploads.map(
        async (u) => (await kino!.call(tenant.key, 'GET', `/v1/media/${u.mediaId}`)).json<MediaJson>().status,
      ),
    );

    const target = loadConfig({ KINO_DATA_DIR: tempDir('target'), KINO_RATE_LIMIT_PER_MINUTE: '0' });
    await restoreBackup({ config: target, storage: createStorage(target.storage) }, store, {
      id: made.manifest.id,
      passphrase: undefined,
      progress: silentProgress,
    });
    restored = await createKino(target, { operatorKey: OPERATOR_KEY, workerOptions: { pollMs: 100 } });
    restored.start();
    const list = async () =>
      (
        await restored!.app.inject({
          method: 'GET',
          url: '/v1/media?limit=50',
          headers: { authorization: `Bearer ${tenant.key}` },
        })
      ).json<{ items: MediaJson[] }>().items;

    // Whatever each media was doing at the backup, the restored Kino finishes it: none stays processing.
    await expect
      .poll(async () => (await list()).filter((m) => m.status === 'processing').length, {
        timeout: 120_000,
        interval: 250,
      })
      .toBe(0);
    const media = await list();
    expect(media).toHaveLength(4);
    for (const m of media) {
      expect(
        ['ready', 'errored', 'waiting'],
        `${m.id} ${m.status} (at backup: ${atBackup.join(',')})`,
      ).toContain(m.status);
      if (m.status === 'ready') {
        for (const url of [m.playback?.hls, m.playback?.mp4]) {
          const res = await restored.app.inject({ method: 'GET', url: new URL(url ?? '').pathname });
          expect(res.statusCode, url ?? undefined).toBe(200);
        }
      }
    }
    // The three finished uploads were in the backup with their originals: all of them end ready.
    expect(
      media
        .filter((m) => m.status === 'ready')
        .map((m) => m.id)
        .sort(),
    ).toEqual(uploads.map((u) => u.mediaId).sort());
  }, 240_000);
});
