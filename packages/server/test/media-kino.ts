import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startS3Server, type S3Server } from '@kino/testkit/s3';
import { loadConfig, type Config } from '../src/config/config.ts';
import type { ImportFetchOptions } from '../src/imports/import-media.handler.ts';
import { createKino } from '../src/system/kino.ts';
import { freshDatabaseConfig } from './databases.ts';
import { OPERATOR_KEY, type TestKino } from './test-kino.ts';

/** The two deployments a media's way in must work on: embedded defaults, and a database server with object storage. */
export const MEDIA_BACKENDS = ['sqlite+disk', 'postgres+s3'] as const;
export type MediaBackend = (typeof MEDIA_BACKENDS)[number];

export interface MediaKino extends TestKino {
  config: Config;
  /** Sets a tenant's upload limit straight in the database. */
  setMaxUploadBytes(tenantId: string, bytes: number): Promise<void>;
}

/**
 * A Kino on one backend, its worker started (unless `worker: false`), called in process. URL
 * imports reach private addresses only with `importAllowPrivate`, as with KINO_IMPORT_ALLOW_PRIVATE=1.
 */
export async function startMediaKino(
  backend: MediaBackend,
  opts: {
    importAllowPrivate?: boolean;
    importFetch?: ImportFetchOptions;
    worker?: boolean;
    /** More KINO_* variables (KINO_ZOOM_API_URL…). */
    env?: Record<string, string>;
    /** The wall clock that ages originals for cold storage (KinoOptions.clock). */
    clock?: () => number;
  } = {},
): Promise<MediaKino> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-media-'));
  let s3: S3Server | undefined;
  // These tests poll media state many times a second; the per-key rate limit has its own tests.
  const env: Record<string, string> = { KINO_DATA_DIR: dataDir, KINO_RATE_LIMIT_PER_MINUTE: '0' };
  if (opts.importAllowPrivate) env.KINO_IMPORT_ALLOW_PRIVATE = '1';
  Object.assign(env, opts.env);
  if (backend === 'postgres+s3') {
    s3 = await startS3Server();
    // The storage adapter uses the SDK's credential chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    env.KINO_STORAGE_URL = `s3://${s3.bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}&forcePathStyle=true`;
  }
  const config: Config = {
    ...loadConfig(env),
    database: await freshDatabaseConfig(backend === 'sqlite+disk' ? 'sqlite' : 'postgres'),
  };
  const kino = await createKino(config, {
    operatorKey: OPERATOR_KEY,
    workerOptions: { pollMs: 100 },
    importFetch: opts.importFetch,
    clock: opts.clock,
  });
  if (opts.worker !== false) kino.start();

  const call: TestKino['call'] = (key, method, url, body) =>
    kino.app.inject({
      method,
      url,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      ...(body !== undefined && { payload: body as Record<string, unknown> }),
    });
  const created = async (url: string, body: unknown) => {
    const res = await call(OPERATOR_KEY, 'POST', url, body);
    if (res.statusCode !== 201) throw new Error(`POST ${url} answered ${res.statusCode}: ${res.body}`);
    return res.json<Record<string, string>>();
  };

  return {
    ...kino,
    config,
    call,
    async tenant(name = 'acme') {
      const json = await created('/v1/tenants', { name });
      return { id: String(json.id), key: String(json.apiKey) };
    },
    async key(tenantId, scope) {
      return String((await created(`/v1/tenants/${tenantId}/keys`, { scope })).apiKey);
    },
    async setMaxUploadBytes(tenantId, bytes) {
      await kino.database.db
        .updateTable('tenants')
        .set({ max_upload_bytes: bytes })
        .where('id', '=', tenantId)
        .execute();
    },
    async close() {
      await kino.close();
      await s3?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
