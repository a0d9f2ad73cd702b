import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKino, type Kino } from '../system/kino.ts';
import { startUploadKino, type UploadKino } from '../../test/upload-kino.ts';
import { OPERATOR_KEY } from '../../test/test-kino.ts';

const TUS = { 'tus-resumable': '1.0.0' };
const OCTETS = { 'content-type': 'application/offset+octet-stream' };
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The outcome of a request: its status, or the error that cut it. */
type Outcome = { status: number } | { error: string };

describe('one upload, PATCHed through two API processes (PostgreSQL + S3)', () => {
  let a: UploadKino;
  let b: Kino;
  let bUrl: string;
  let key: string;
  beforeAll(async () => {
    a = await startUploadKino('postgres+s3');
    // A second process: its own app, tus server and locker, on the same database and bucket.
    b = await createKino(a.config, { operatorKey: OPERATOR_KEY });
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    bUrl = `http://127.0.0.1:${String((b.app.server.address() as AddressInfo).port)}`;
    key = (await a.tenant()).key;
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('lets one write at a time and leaves a file whose sha256 matches', async () => {
    const data = randomBytes(1024 * 1024);
    const auth = { authorization: `Bearer ${key}` };
    const created = await fetch(`${a.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...auth, 'upload-length': String(data.length) },
    });
    expect(created.status).toBe(201);
    const uploadPath = new URL(created.headers.get('location') ?? '', `${a.baseUrl}/v1/uploads/`).pathname;
    const uploadId = uploadPath.split('/').pop() ?? '';

    // Process A receives the whole file at offset 0, but its sender stalls after the first bytes.
    const stalled = http.request(`${a.baseUrl}${uploadPath}`, {
      method: 'PATCH',
      headers: { ...TUS, ...auth, ...OCTETS, 'upload-offset': '0', 'content-length': String(data.length) },
    });
    const order: string[] = [];
    const stalledOutcome = new Promise<Outcome>((resolve) => {
      stalled.on('response', (res) => {
        res.resume();
        order.push('A');
        resolve({ status: res.statusCode ?? 0 });
      });
      stalled.on('error', (err) => {
        order.push('A');
        resolve({ error: err.message });
      });
    });
    stalled.write(data.subarray(0, 200_000));
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Process B receives a PATCH at the same offset: it must wait for A to let go, then find
    // A's bytes stored, so it refuses the stale offset instead of writing beside A.
    const second = await fetch(`${bUrl}${uploadPath}`, {
      method: 'PATCH',
      headers: { ...TUS, ...auth, ...OCTETS, 'upload-offset': '0' },
      body: data,
    });
    order.push('B');
    expect(second.status).toBe(409);
    expect(await stalledOutcome).toBeDefined();
    expect(order).toEqual(['A', 'B']);
    stalled.destroy();

    // The client resumes through B from the offset it reports, and completes the upload.
    const head = await fetch(`${bUrl}${uploadPath}`, { method: 'HEAD', headers: { ...TUS, ...auth } });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(200_000);
    const rest = await fetch(`${bUrl}${uploadPath}`, {
      method: 'PATCH',
      headers: { ...TUS, ...auth, ...OCTETS, 'upload-offset': String(offset) },
      body: data.subarray(offset),
    });
    expect(rest.status).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(data.length));

    const stored = await a.kino.storage.get(uploadId);
    const bytes = Buffer.concat((await stored.body.toArray()) as Buffer[]);
    expect(sha256(bytes)).toBe(sha256(data));
    const locks = await a.kino.database.db.selectFrom('upload_locks').selectAll().execute();
    expect(locks).toEqual([]);
  });
});
