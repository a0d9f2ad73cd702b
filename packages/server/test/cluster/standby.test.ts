import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generate } from '@kino/testkit/media';
import { startPostgres, startStandby, type PostgresServer } from '@kino/testkit/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import type { MediaJson } from '../../src/media/media.schemas.ts';
import { createKino, type Kino } from '../../src/system/kino.ts';
import { tusUpload } from '../media-upload.ts';
import { waitFor } from './cluster-fixture.ts';

const run = promisify(execFile);
const OPERATOR_KEY = 'standby-operator-key-0123456789abcdef';
const MAIN = path.resolve(import.meta.dirname, '../../src/main.ts');
const TUS = { 'tus-resumable': '1.0.0' };

/** One Kino process on `databaseUrl`, in this test process, listening on a loopback port. */
async function startKino(dataDir: string, databaseUrl: string): Promise<{ kino: Kino; base: string }> {
  const config = loadConfig({
    KINO_DATA_DIR: dataDir,
    KINO_DATABASE_URL: databaseUrl,
    KINO_ROLES: 'api,worker',
    KINO_RTMP_PORT: '0',
    KINO_SRT_PORT: '0',
    KINO_LOG_LEVEL: 'silent',
  });
  const kino = await createKino(config, { operatorKey: OPERATOR_KEY });
  const base = await kino.app.listen({ port: 0, host: '127.0.0.1' });
  kino.start();
  return { kino, base };
}

async function api(
  base: string,
  key: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as unknown };
}

async function mediaOn(base: string, key: string, id: string): Promise<{ status: number; json: MediaJson }> {
  const res = await api(base, key, 'GET', `/v1/media/${id}`);
  return { status: res.status, json: res.json as MediaJson };
}

async function walPosition(url: string, query: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ lsn: string }>(query)).rows[0]?.lsn ?? '';
  } finally {
    await client.end();
  }
}

/**
 * The standby shape: a Kino on a PostgreSQL streaming replica serves reads and playback, refuses
 * writes with 503, and takes over when the primary's database dies and `kino failover promote`
 * runs: playback goes on throughout, an upload begun on the primary resumes, a job queued there
 * is done. Storage is shared (one folder here; in production a replicated bucket or folder).
 */
describe('a standby Kino on a PostgreSQL replica, promoted when the primary dies', () => {
  let dir: string;
  let primaryDb: PostgresServer;
  let standbyDb: (PostgresServer & { databaseUrl: string }) | undefined;
  let primary: { kino: Kino; base: string } | undefined;
  let standby: { kino: Kino; base: string } | undefined;
  let clip: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kino-standby-'));
    clip = await generate({ width: 320, height: 180, durationSec: 4 });
    primaryDb = await startPostgres();
  }, 120_000);

  afterAll(async () => {
    await standby?.kino.close().catch(() => undefined);
    await primary?.kino.close().catch(() => undefined);
    await standbyDb?.stop();
    await primaryDb.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves playback read-only, then takes writes, uploads and queued jobs after promotion', async () => {
    const databaseUrl = await primaryDb.createDatabase('standby');
    primary = await startKino(dir, databaseUrl);
    const tenant = await api(primary.base, OPERATOR_KEY, 'POST', '/v1/tenants', {
      name: 'school',
    });
    const key = (tenant.json as { apiKey: string }).apiKey;
    const first = await tusUpload(primary.base, key, clip, { filename: 'lecture.mp4', visibility: 'public' });
    const ready = await waitFor(
      'the first media to be ready',
      async () => {
        const media = (await mediaOn(primary!.base, key, first.mediaId)).json;
        return media.status === 'ready' ? media : undefined;
      },
      180_000,
    );

    // Viewers watched on the primary (which made its playback signing key on the first playlist).
    const master = ready.playback?.hls ?? '';
    expect(master).not.toBe('');
    expect((await fetch(master)).status).toBe(200);

    standbyDb = await startStandby(databaseUrl);
    standby = await startKino(dir, standbyDb.databaseUrl);
    expect(standby.kino.standby.active).toBe(true);

    // The standby reads and plays what the primary wrote, and refuses to write.
    const onStandby = await mediaOn(standby.base, key, first.mediaId);
    expect(onStandby.json).toMatchObject({ id: first.mediaId, status: 'ready' });
    // Playback URLs name the host that was asked: the same path, on the standby.
    const { pathname, search } = new URL(master, primary.base);
    const masterUrl = `${standby.base}${pathname}${search}`;
    const served = await fetch(masterUrl);
    expect({ status: served.status, body: (await served.text()).slice(0, 300) }).toMatchObject({
      status: 200,
      body: expect.stringMatching(/^#EXTM3U/),
    });
    const refused = await api(standby.base, key, 'POST', '/v1/media', { title: 'x' });
    expect(refused).toMatchObject({ status: 503, json: { code: 'read_only_standby' } });

    // On the primary: a media whose processing job is queued but not taken (its worker stops
    // first), and an upload half sent.
    await primary.kino.jobs.stop();
    const queued = await tusUpload(primary.base, key, clip, { filename: 'queued.mp4' });
    const bytes = fs.readFileSync(clip);
    const half = Math.floor(bytes.length / 2);
    const created = await fetch(`${primary.base}/v1/uploads`, {
      method: 'POST',
      headers: {
        ...TUS,
        authorization: `Bearer ${key}`,
        'upload-length': String(bytes.length),
        'upload-metadata': `filename ${Buffer.from('resumed.mp4').toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const resumedId = created.headers.get('kino-media-id') ?? '';
    const uploadPath = new URL(created.headers.get('location') ?? '', `${primary.base}/v1/uploads/`).pathname;
    const patched = await fetch(`${primary.base}${uploadPath}`, {
      method: 'PATCH',
      headers: {
        ...TUS,
        authorization: `Bearer ${key}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
      },
      body: bytes.subarray(0, half),
    });
    expect(patched.status).toBe(204);

    // The standby has replayed all of it.
    let lastHead = '';
    await waitFor(
      'the standby to have the upload',
      async () => {
        const head = await fetch(`${standby!.base}${uploadPath}`, {
          method: 'HEAD',
          headers: { ...TUS, authorization: `Bearer ${key}` },
        });
        lastHead = `${head.status} offset ${head.headers.get('upload-offset')}`;
        return head.headers.get('upload-offset') === String(half) ? true : undefined;
      },
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; the standby's last answer: ${lastHead}`);
    });

    // Viewers keep watching on the standby while the primary dies and the standby is promoted.
    let plays = 0;
    const failures: string[] = [];
    const watching = { on: true };
    const viewer = (async () => {
      while (watching.on) {
        try {
          const res = await fetch(masterUrl);
          const body = await res.text();
          if (res.status === 200 && body.startsWith('#EXTM3U')) plays++;
          else failures.push(`${res.status} ${body.slice(0, 200)}`);
        } catch (err) {
          failures.push(`${String(err)} ${String((err as { cause?: unknown }).cause)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const primaryAt = await walPosition(databaseUrl, 'select pg_current_wal_lsn()::text as lsn');
    const crashedAt = Date.now();
    await primaryDb.kill();
    await primary.kino.close({ graceMs: 0 }).catch(() => undefined);
    primary = undefined;

    const promoted = await run(process.execPath, ['--import', 'tsx', MAIN, 'failover', 'promote'], {
      env: { ...process.env, KINO_DATABASE_URL: standbyDb.databaseUrl, KINO_DATA_DIR: dir },
      timeout: 120_000,
    });
    expect(promoted.stdout).toMatch(/^promoted: the standby is the primary now/m);
    const created2 = await waitFor(
      'the standby to take writes',
      async () => {
        const res = await api(standby!.base, key, 'POST', '/v1/media', { title: 'after' });
        return res.status === 201 ? res : undefined;
      },
      60_000,
    );
    const recoveryMs = Date.now() - crashedAt;
    expect((created2.json as { id: string }).id).toMatch(/^med_/);
    expect(standby.kino.standby.active).toBe(false);
    const lostBytes = await walPosition(
      standbyDb.databaseUrl,
      `select pg_wal_lsn_diff('${primaryAt}', pg_last_wal_replay_lsn())::text as lsn`,
    );

    // The upload resumes on the promoted standby from where the primary left it.
    const head = await fetch(`${standby.base}${uploadPath}`, {
      method: 'HEAD',
      headers: { ...TUS, authorization: `Bearer ${key}` },
    });
    expect(head.headers.get('upload-offset')).toBe(String(half));
    const rest = await fetch(`${standby.base}${uploadPath}`, {
      method: 'PATCH',
      headers: {
        ...TUS,
        authorization: `Bearer ${key}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(half),
      },
      body: bytes.subarray(half),
    });
    expect(rest.status).toBe(204);

    // The job queued on the primary and the resumed upload are both done by the standby's worker.
    for (const id of [queued.mediaId, resumedId]) {
      const media = await waitFor(
        `${id} to be ready`,
        async () => {
          const m = (await mediaOn(standby!.base, key, id)).json;
          return m.status === 'ready' || m.status === 'errored' ? m : undefined;
        },
        240_000,
      );
      expect(media.status).toBe('ready');
    }

    watching.on = false;
    await viewer;
    expect(failures).toEqual([]);
    expect(plays).toBeGreaterThan(0);
    process.stdout.write(
      `standby failover: recovery time ${recoveryMs} ms (primary killed -> first write on the promoted standby), ` +
        `recovery point ${lostBytes} bytes of WAL not replayed, ${plays} playlist loads and no failure meanwhile\n`,
    );
  }, 600_000);
});
