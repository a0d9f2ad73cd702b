import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../src/config/config.ts';
import { createKino, type Kino } from '../src/system/kino.ts';
import { freshDatabaseConfig, type TestDialect } from './databases.ts';

export const OPERATOR_KEY = 'test-operator-key-0123456789abcdef';

export interface TestKino extends Kino {
  /** Sends a request in process (no socket) with an optional bearer key and JSON body. */
  call(
    key: string | null,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<LightMyRequestResponse>;
  /** Creates a tenant and returns its id and full-scope key. */
  tenant(name?: string): Promise<{ id: string; key: string }>;
  /** Creates an API key of a scope in a tenant. */
  key(tenantId: string, scope: 'full' | 'read' | 'upload'): Promise<string>;
}

export async function startTestKino(
  dialect: TestDialect,
  opts: { logger?: FastifyBaseLogger; env?: Record<string, string> } = {},
): Promise<TestKino> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-data-'));
  // Tests poll and loop far faster than a client should; the per-key rate limit has its own tests.
  const env = { KINO_DATA_DIR: dataDir, KINO_RATE_LIMIT_PER_MINUTE: '0', ...opts.env };
  const config = { ...loadConfig(env), database: await freshDatabaseConfig(dialect) };
  const kino = await createKino(config, { operatorKey: OPERATOR_KEY, logger: opts.logger });

  const call: TestKino['call'] = (key, method, url, body) =>
    kino.app.inject({
      method,
      url,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      ...(body !== undefined && { payload: body as Record<string, unknown> }),
    });

  return {
    ...kino,
    call,
    async tenant(name = 'acme') {
      const res = await call(OPERATOR_KEY, 'POST', '/v1/tenants', { name });
      if (res.statusCode !== 201) throw new Error(`tenant creation answered ${res.statusCode}: ${res.body}`);
      const json = res.json<{ id: string; apiKey: string }>();
      return { id: json.id, key: json.apiKey };
    },
    async key(tenantId, scope) {
      const res = await call(OPERATOR_KEY, 'POST', `/v1/tenants/${tenantId}/keys`, { scope });
      if (res.statusCode !== 201) throw new Error(`key creation answered ${res.statusCode}: ${res.body}`);
      return res.json<{ apiKey: string }>().apiKey;
    },
    async close() {
      await kino.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
