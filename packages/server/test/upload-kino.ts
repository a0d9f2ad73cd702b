import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startS3Server, type S3Server } from '@kino/testkit/s3';
import { loadConfig, type Config } from '../src/config/config.ts';
import { createKino, type Kino } from '../src/system/kino.ts';
import { freshDatabaseConfig } from './databases.ts';
import { OPERATOR_KEY } from './test-kino.ts';

/** The two deployments uploads must work on: the embedded defaults, and a database server with object storage. */
export const UPLOAD_BACKENDS = ['sqlite+disk', 'postgres+s3'] as const;
export type UploadBackend = (typeof UPLOAD_BACKENDS)[number];

export interface UploadKino {
  kino: Kino;
  config: Config;
  /** http://127.0.0.1:PORT of the listening app. */
  baseUrl: string;
  /** Creates a tenant and returns its id and full-scope key. */
  tenant(name?: string): Promise<{ id: string; key: string }>;
  /** Creates an API key of a scope in a tenant. */
  key(tenantId: string, scope: 'full' | 'read' | 'upload'): Promise<string>;
  /** Sets a tenant's upload limit straight in the database. */
  setMaxUploadBytes(tenantId: string, bytes: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Kino app listening on a loopback port, on SQLite and a data folder or on PostgreSQL and an
 * S3-compatible server. Its worker is not started: jobs stay queued for the test to look at.
 */
export async function startUploadKino(backend: UploadBackend): Promise<UploadKino> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-uploads-'));
  let s3: S3Server | undefined;
  const env: Record<string, string> = { KINO_DATA_DIR: dataDir };
  if (backend === 'postgres+s3') {
    s3 = await startS3Server();
    // The storage adapters use the SDK's credential chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    env.KINO_STORAGE_URL = `s3://${s3.bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}&forcePathStyle=true`;
  }
  const config: Config = {
    ...loadConfig(env),
    database: await freshDatabaseConfig(backend === 'sqlite+disk' ? 'sqlite' : 'postgres'),
  };
  const kino = await createKino(config, { operatorKey: OPERATOR_KEY });
  await kino.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = kino.app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  const operator = async (url: string, body: unknown) => {
    const res = await fetch(`${baseUrl}${url}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Record<string, string>;
  };

  return {
    kino,
    config,
    baseUrl,
    async tenant(name = 'acme') {
      const json = await operator('/v1/tenants', { name });
      return { id: String(json.id), key: String(json.apiKey) };
    },
    async key(tenantId, scope) {
      return String((await operator(`/v1/tenants/${tenantId}/keys`, { scope })).apiKey);
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
