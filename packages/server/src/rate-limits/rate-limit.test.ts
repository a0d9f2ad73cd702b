import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseConfig } from '../../test/databases.ts';
import { OPERATOR_KEY } from '../../test/test-kino.ts';
import { loadConfig } from '../config/config.ts';
import { createKino, type Kino } from '../system/kino.ts';
import { TokenBuckets } from './token-buckets.ts';

describe('TokenBuckets', () => {
  it('allows a minute’s worth at once, then the steady rate, and says when to come back', () => {
    let clock = 0;
    const buckets = new TokenBuckets(60, () => clock);
    for (let i = 0; i < 60; i++) expect(buckets.take('k').ok).toBe(true);
    expect(buckets.take('k')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(buckets.take('other').ok).toBe(true);
    clock += 1000;
    expect(buckets.take('k').ok).toBe(true);
    expect(buckets.take('k').ok).toBe(false);
    clock += 60_000;
    expect(buckets.take('k')).toEqual({ ok: true, remaining: 59 });
  });
});

describe('per-key rate limits', () => {
  let kino: Kino;
  let dataDir: string;
  let key: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-rate-'));
    const config = {
      ...loadConfig({ KINO_DATA_DIR: dataDir, KINO_RATE_LIMIT_PER_MINUTE: '5' }),
      database: await freshDatabaseConfig('sqlite'),
    };
    kino = await createKino(config, { operatorKey: OPERATOR_KEY });
    const res = await kino.app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: { authorization: `Bearer ${OPERATOR_KEY}` },
      payload: { name: 'rate' },
    });
    key = res.json<{ apiKey: string }>().apiKey;
  });
  afterAll(async () => {
    await kino.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (url: string, bearer?: string) =>
    kino.app.inject({ method: 'GET', url, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

  it('answers 429 rate_limited with Retry-After once a key has used its minute', async () => {
    for (let i = 0; i < 5; i++) expect((await get('/v1/media', key)).statusCode).toBe(200);
    const limited = await get('/v1/media', key);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another key of the same server has its own bucket.
    const tenants = await get('/v1/tenants', OPERATOR_KEY);
    expect(tenants.statusCode).toBe(200);
  });

  it('does not count /play, health or unauthenticated requests', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await get('/play/med_00000000000000000000000000/master.m3u8')).statusCode).toBe(404);
    }
    expect((await get('/healthz')).statusCode).toBe(200);
  });
});
