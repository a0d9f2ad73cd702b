import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from '@kino/testkit/s3';
import { generate } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseConfig } from '../../test/databases.ts';
import { startMediaKino, type MediaKino, type MediaBackend } from '../../test/media-kino.ts';
import { tusUpload, waitForMedia } from '../../test/media-upload.ts';
import { login } from '../../test/console-session.ts';
import { OPERATOR_KEY, type TestKino } from '../../test/test-kino.ts';
import { createOperatorUser } from '../cli/operator-user-command.ts';
import { loadConfig, type Config } from '../config/config.ts';
import type { MediaJson } from '../media/media.schemas.ts';
import { createStorage } from '../storage/create-storage.ts';
import { createKino, type Kino } from '../system/kino.ts';
import { createBackup, type CreatedBackup } from './backup-create.ts';
import { BackupIntegrityError, BackupRefusedError } from './backup-errors.ts';
import { parseBackupLocation } from './backup-location.ts';
import { silentProgress } from './backup-progress.ts';
import { restoreBackup } from './backup-restore.ts';
import { BackupPassphraseError } from './backup-secrets.ts';
import { BackupStore } from './backup-store.ts';
import { verifyBackup } from './backup-verify.ts';

const PASSPHRASE = 'a long passphrase for tests';
const progress = silentProgress;

interface Scenario {
  backend: MediaBackend;
  /** The backup location's URL. */
  location: () => Promise<string>;
  /** A fresh, empty target: data folder, database and storage. */
  target: () => Promise<Config>;
}

let s3: S3Server | undefined;
let buckets = 0;
async function newBucket(): Promise<string> {
  s3 ??= await startS3Server();
  const admin = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const bucket = `backup-${process.pid}-${++buckets}`;
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  admin.destroy();
  return bucket;
}
const s3Url = (bucket: string, prefix = '') =>
  `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(s3?.endpoint ?? '')}&region=us-east-1&forcePathStyle=true`;
const tempDir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `backup-e2e-${name}-`));

const SCENARIOS: Scenario[] = [
  {
    backend: 'sqlite+disk',
    location: () => Promise.resolve(`file://${tempDir('store')}`),
    target: () =>
      Promise.resolve(loadConfig({ KINO_DATA_DIR: tempDir('target'), KINO_RATE_LIMIT_PER_MINUTE: '0' })),
  },
  {
    backend: 'postgres+s3',
    location: async () => s3Url(await newBucket(), 'kino/nightly'),
    target: async () => ({
      ...loadConfig({
        KINO_DATA_DIR: tempDir('target'),
        KINO_RATE_LIMIT_PER_MINUTE: '0',
        KINO_STORAGE_URL: s3Url(await newBucket()),
      }),
      database: await freshDatabaseConfig('postgres'),
    }),
  },
];

afterAll(async () => {
  await s3?.stop();
});

describe.each(SCENARIOS)('backup and restore on $backend', (scenario) => {
  let kino: MediaKino;
  let base: string;
  let tenant: { id: string; key: string };
  let readKey: string;
  let media: MediaJson[];
  let privateToken: string;
  let sessionCookie: string;
  let captionUrl: string;
  let captionBytes: Buffer;
  let webhookId: string;
  let location: string;
  let first: CreatedBackup;
  const store = () => {
    const parsed = parseBackupLocation(location);
    return new BackupStore(createStorage(parsed.storage), parsed.prefix);
  };
  const live = () => ({ config: kino.config, db: kino.database.db, storage: kino.storage });

  beforeAll(async () => {
    const clip = await generate({ width: 320, height: 180, durationSec: 2 });
    kino = await startMediaKino(scenario.backend);
    base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
    tenant = await kino.tenant();
    readKey = await kino.key(tenant.id, 'read');
    const uploads = await Promise.all([
      tusUpload(base, tenant.key, clip, { filename: 'public.mp4' }),
      tusUpload(base, tenant.key, clip, { filename: 'private.mp4', visibility: 'private' }),
    ]);
    const ids = uploads.map((u) => u.mediaId);
    const { final } = await waitForMedia(kino, tenant.key, ids, { timeoutMs: 120_000 });
    media = ids.map((id) => final.get(id)!);
    expect(media.map((m) => m.status)).toEqual(['ready', 'ready']);
    const token = await kino.call(tenant.key, 'POST', `/v1/media/${ids[1]}/playback-tokens`, {
      expiresInSeconds: 3600,
    });
    privateToken = new URL(token.json<{ playback: { hls: string } }>().playback.hls).pathname;
    const caption = await kino.call(tenant.key, 'POST', `/v1/media/${ids[0]}/captions`, {
      language: 'en',
      content: 'WEBVTT\n\n00:00.000 --> 00:01.500\nHello from before the backup\n',
    });
    expect(caption.statusCode).toBe(201);
    captionUrl = `/v1/media/${ids[0]}/captions/${caption.json<{ id: string }>().id}.vtt`;
    captionBytes = (await kino.call(tenant.key, 'GET', captionUrl)).rawPayload;
    const webhook = await kino.call(tenant.key, 'POST', '/v1/webhooks', {
      url: 'https://hooks.example.com/kino',
    });
    expect(webhook.statusCode).toBe(201);
    webhookId = webhook.json<{ id: string }>().id;
    await createOperatorUser(kino.config, 'ops@example.com', 'a console password 1');
    sessionCookie = (await login(kino, 'ops@example.com', 'a console password 1')).cookie;
    // The operator key as `kino serve` saves it in the data folder.
    fs.writeFileSync(path.join(kino.config.dataDir, 'operator-key'), `${OPERATOR_KEY}\n`, { mode: 0o600 });

    location = await scenario.location();
    first = await createBackup(live(), store(), { includeSecrets: true, passphrase: PASSPHRASE, progress });
  }, 240_000);

  afterAll(async () => {
    await kino.close();
  });

  /** Every playback URL of each media, fetched: path -> bytes. */
  async function playbackBytes(app: Kino['app'], list: MediaJson[], token: string) {
    const out = new Map<string, Buffer>();
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      out.set(url, res.rawPayload);
      return res.body;
    };
    for (const m of list) {
      if (m.visibility !== 'public') continue;
      for (const url of [m.playback?.mp4, m.playback?.poster, m.playback?.dash]) {
        if (url) await get(new URL(url).pathname);
      }
      const master = await get(new URL(m.playback?.hls ?? '').pathname);
      const dir = new URL(m.playback?.hls ?? '').pathname.replace(/[^/]*$/, '');
      for (const line of master.split('\n').filter((l) => l && !l.startsWith('#'))) {
        const playlist = await get(dir + line);
        const file = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1];
        if (file) await get(dir + line.replace(/[^/]*$/, '') + file);
      }
    }
    await get(token);
    return out;
  }

  it('restores into a fresh target: the same ids, every media plays the same bytes, keys and issued tokens work', async () => {
    const target = await scenario.target();
    const report = await restoreBackup({ config: target, storage: createStorage(target.storage) }, store(), {
      id: undefined,
      passphrase: PASSPHRASE,
      progress,
    });
    expect(report).toMatchObject({
      id: first.manifest.id,
      secretsRestored: true,
      counts: { tenants: 1, media: 2 },
    });
    expect(fs.readFileSync(path.join(target.dataDir, 'operator-key'), 'utf8').trim()).toBe(OPERATOR_KEY);

    const restored = await createKino(target, { operatorKey: OPERATOR_KEY });
    try {
      const listed = await restored.app.inject({
        method: 'GET',
        url: '/v1/media',
        headers: { authorization: `Bearer ${readKey}` },
      });
      expect(listed.statusCode).toBe(200);
      const restoredMedia = listed.json<{ items: MediaJson[] }>().items;
      expect(restoredMedia.map((m) => m.id).sort()).toEqual(media.map((m) => m.id).sort());
      for (const m of restoredMedia) expect(m.status).toBe('ready');

      const before = await playbackBytes(kino.app, media, privateToken);
      const after = await playbackBytes(restored.app, media, privateToken);
      expect([...after.keys()]).toEqual([...before.keys()]);
      for (const [url, bytes] of before) expect(after.get(url)?.equals(bytes), url).toBe(true);
      expect(before.size).toBeGreaterThan(6);

      const caption = await restored.app.inject({
        method: 'GET',
        url: captionUrl,
        headers: { authorization: `Bearer ${tenant.key}` },
      });
      expect(caption.statusCode).toBe(200);
      expect(caption.rawPayload.equals(captionBytes)).toBe(true);
      const webhooks = await restored.app.inject({
        method: 'GET',
        url: '/v1/webhooks',
        headers: { authorization: `Bearer ${tenant.key}` },
      });
      expect(webhooks.body).toContain(webhookId);

      // Console logins work, and a session opened before the backup is still open.
      await login(restored as unknown as TestKino, 'ops@example.com', 'a console password 1');
      const session = await restored.app.inject({
        method: 'GET',
        url: '/v1/auth/session',
        headers: { cookie: sessionCookie },
      });
      expect(session.statusCode).toBe(200);
      const operator = await restored.app.inject({
        method: 'GET',
        url: '/v1/tenants',
        headers: { authorization: `Bearer ${OPERATOR_KEY}` },
      });
      expect(operator.statusCode).toBe(200);
    } finally {
      await restored.close();
    }

    // The target is no longer empty: a second restore into it is refused.
    await expect(
      restoreBackup({ config: target, storage: createStorage(target.storage) }, store(), {
        id: undefined,
        passphrase: PASSPHRASE,
        progress,
      }),
    ).rejects.toThrow(BackupRefusedError);
  }, 240_000);

  it('refuses a wrong passphrase before writing anything', async () => {
    const target = await scenario.target();
    const storage = createStorage(target.storage);
    await expect(
      restoreBackup({ config: target, storage }, store(), {
        id: undefined,
        passphrase: 'not the passphrase',
        progress,
      }),
    ).rejects.toThrow(BackupPassphraseError);
    await expect(
      restoreBackup({ config: target, storage }, store(), { id: undefined, passphrase: undefined, progress }),
    ).rejects.toThrow(/KINO_BACKUP_PASSPHRASE/);
    const left: string[] = [];
    for await (const o of storage.list('')) left.push(o.key);
    expect(left).toEqual([]);
  });

  it('a second backup after one new media copies only that media’s objects', async () => {
    const before = new Set<string>();
    for await (const o of kino.storage.list('')) before.add(o.key);
    const other = await generate({ width: 320, height: 180, durationSec: 3 });
    const { mediaId } = await tusUpload(base, tenant.key, other, { filename: 'new.mp4' });
    const { final } = await waitForMedia(kino, tenant.key, [mediaId], { timeoutMs: 120_000 });
    expect(final.get(mediaId)?.status).toBe('ready');

    const second = await createBackup(live(), store(), {
      includeSecrets: false,
      passphrase: undefined,
      progress,
    });
    const added = second.manifest.objects.filter((o) => !before.has(o.key));
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((o) => o.key.startsWith('upl_') || o.key.includes(mediaId))).toBe(true);
    expect(second.readObjects).toBe(added.length);
    expect(second.unchangedObjects).toBe(first.manifest.objects.length);
    const known = new Set(first.manifest.objects.map((o) => o.sha256));
    const newBytes = new Map(added.filter((o) => !known.has(o.sha256)).map((o) => [o.sha256, o.size]));
    expect(second.addedBytes).toBe([...newBytes.values()].reduce((a, b) => a + b, 0));
    expect(second.addedObjects).toBe(newBytes.size);
    expect(second.manifest.secrets).toBeNull();
  }, 240_000);

  it('verify passes, then names a corrupted and a removed object; restore refuses the damaged backup', async () => {
    const sound = await verifyBackup(store(), {
      id: first.manifest.id,
      passphrase: PASSPHRASE,
      live: { config: kino.config.database, db: kino.database.db },
      progress,
    });
    expect(sound.problems).toEqual([]);
    expect(sound.secrets).toBe('opened');
    expect(sound.database?.counts).toMatchObject({ tenants: 1, media: 2 });

    const objects = [...new Map(first.manifest.objects.map((o) => [o.sha256, o])).values()].filter(
      (o) => o.size > 0,
    );
    const [corrupt, removed] = [objects[0]!, objects[1]!];
    const backupStore = store();
    await backupStore.storage.put(backupStore.objectKey(corrupt.sha256), Buffer.alloc(corrupt.size, 7));
    const damaged = await verifyBackup(backupStore, {
      id: first.manifest.id,
      passphrase: undefined,
      live: undefined,
      progress,
    });
    expect(damaged.problems).toEqual([
      expect.stringMatching(new RegExp(`^checksum mismatch: .*${corrupt.key}`)),
    ]);

    const target = await scenario.target();
    const storage = createStorage(target.storage);
    await expect(
      restoreBackup({ config: target, storage }, backupStore, {
        id: first.manifest.id,
        passphrase: PASSPHRASE,
        progress,
      }),
    ).rejects.toThrow(BackupIntegrityError);
    const left: string[] = [];
    for await (const o of storage.list('')) left.push(o.key);
    expect(left).toEqual([]);

    await backupStore.deleteObject(removed.sha256);
    const missing = await verifyBackup(backupStore, {
      id: first.manifest.id,
      passphrase: undefined,
      live: undefined,
      progress,
    });
    expect(missing.problems).toContainEqual(expect.stringMatching(new RegExp(`^missing: .*${removed.key}`)));
    await expect(
      restoreBackup({ config: target, storage }, backupStore, {
        id: first.manifest.id,
        passphrase: PASSPHRASE,
        progress,
      }),
    ).rejects.toThrow(new RegExp(`nothing restored.*${removed.sha256}`));
  }, 240_000);
});
