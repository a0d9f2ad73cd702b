import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_BACKENDS, startUploadKino, type UploadKino } from '../../test/upload-kino.ts';

const TUS = { 'tus-resumable': '1.0.0' };
const OCTETS = { 'content-type': 'application/offset+octet-stream' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe.each(UPLOAD_BACKENDS)('tus uploads on %s', (backend) => {
  let k: UploadKino;
  let tenant: { id: string; key: string };
  beforeAll(async () => {
    k = await startUploadKino(backend);
    tenant = await k.tenant();
  });
  afterAll(() => k.close());

  const send = (
    method: string,
    path: string,
    key: string | null,
    headers: Record<string, string> = {},
    body?: Buffer,
  ) =>
    fetch(new URL(path, k.baseUrl), {
      method,
      headers: { ...TUS, ...(key && { authorization: `Bearer ${key}` }), ...headers },
      ...(body && { body }),
    });

  /** Creates an upload of `size` bytes and returns its path and the media it fills. */
  const create = async (key: string, size: number, metadata = `filename ${b64('clip.mp4')}`) => {
    const res = await send('POST', '/v1/uploads', key, {
      'upload-length': String(size),
      'upload-metadata': metadata,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return {
      res,
      path: new URL(res.headers.get('location') ?? '', `${k.baseUrl}/v1/uploads/`).pathname,
      mediaId: res.headers.get('kino-media-id') ?? '',
    };
  };
  const uploadIdOf = (path: string) => path.split('/').pop() ?? '';
  const head = (path: string, key = tenant.key) => send('HEAD', path, key);
  const patch = (path: string, offset: number, bytes: Buffer, key = tenant.key) =>
    send('PATCH', path, key, { ...OCTETS, 'upload-offset': String(offset) }, bytes);
  const media = async (id: string) =>
    (await (
      await fetch(`${k.baseUrl}/v1/media/${id}`, { headers: { authorization: `Bearer ${tenant.key}` } })
    ).json()) as Record<string, unknown>;
  const storedBytes = async (key: string) => {
    const got = await k.kino.storage.get(key);
    return Buffer.concat((await got.body.toArray()) as Buffer[]);
  };
  const uploadRow = (id: string) =>
    k.kino.database.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
  const expectProblem = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // A HEAD answer has no body to read.
    const body = await res.text();
    if (body) expect(JSON.parse(body)).toMatchObject({ status, code });
  };

  it('answers discovery with the version, the extensions and the size limit', async () => {
    const res = await send('OPTIONS', '/v1/uploads', null);
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    const extensions = (res.headers.get('tus-extension') ?? '').split(',');
    expect(extensions).toEqual(
      expect.arrayContaining(['creation', 'creation-with-upload', 'termination', 'expiration']),
    );
    expect(Number(res.headers.get('tus-max-size'))).toBeGreaterThan(0);
  });

  it('creates an upload with its media, then resumes it at the offset HEAD reports', async () => {
    const data = randomBytes(300_000);
    const { res, path, mediaId } = await create(tenant.key, data.length);
    expect(path).toMatch(/^\/v1\/uploads\/upl_[a-z0-9]+$/);
    expect(mediaId).toMatch(/^med_/);
    const expires = Date.parse(res.headers.get('upload-expires') ?? '');
    expect(expires).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(await media(mediaId)).toMatchObject({ status: 'waiting', title: 'clip' });

    const first = await patch(path, 0, data.subarray(0, 100_000));
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe('100000');
    expect(first.headers.get('upload-expires')).toBeTruthy();

    const probe = await head(path);
    expect(probe.status).toBe(200);
    expect(probe.headers.get('upload-offset')).toBe('100000');
    expect(probe.headers.get('upload-length')).toBe(String(data.length));
    expect(probe.headers.get('cache-control')).toBe('no-store');

    const rest = await patch(path, 100_000, data.subarray(100_000));
    expect(rest.status).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(data.length));
  });

  it('refuses a PATCH at the wrong offset with 409, storing nothing', async () => {
    const { path } = await create(tenant.key, 1000);
    expect((await patch(path, 0, randomBytes(200))).status).toBe(204);
    await expectProblem(await patch(path, 100, randomBytes(200)), 409, 'conflict');
    expect((await head(path)).headers.get('upload-offset')).toBe('200');
  });

  it('stores the first bytes with the creation request (creation-with-upload)', async () => {
    const data = randomBytes(5000);
    const res = await send(
      'POST',
      '/v1/uploads',
      tenant.key,
      { ...OCTETS, 'upload-length': String(data.length), 'upload-metadata': `title ${b64('First')}` },
      data.subarray(0, 2000),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe('2000');
    const path = new URL(res.headers.get('location') ?? '', `${k.baseUrl}/v1/uploads/`).pathname;
    expect((await head(path)).headers.get('upload-offset')).toBe('2000');
    expect(await media(res.headers.get('kino-media-id') ?? '')).toMatchObject({ title: 'First' });
  });

  it('moves the media to processing and enqueues its processing on the last byte', async () => {
    const data = randomBytes(64_000);
    const { path, mediaId } = await create(tenant.key, data.length);
    expect((await patch(path, 0, data.subarray(0, 30_000))).status).toBe(204);
    expect(await media(mediaId)).toMatchObject({ status: 'waiting' });
    const last = await patch(path, 30_000, data.subarray(30_000));
    expect(last.status).toBe(204);
    expect(last.headers.get('upload-expires')).toBeNull();

    expect(await media(mediaId)).toMatchObject({ status: 'processing' });
    const uploadId = uploadIdOf(path);
    expect((await uploadRow(uploadId))?.completed_at).toEqual(expect.any(Number));
    const jobs = await k.kino.database.db
      .selectFrom('jobs')
      .selectAll()
      .where('type', '=', 'media.process')
      .where('tenant_id', '=', tenant.id)
      .execute();
    const forMedia = jobs.filter((j) => (JSON.parse(j.payload) as { mediaId: string }).mediaId === mediaId);
    expect(forMedia).toHaveLength(1);
    expect((await storedBytes(uploadId)).equals(data)).toBe(true);
    // A finished upload is the media's original: termination must not remove it.
    await expectProblem(await send('DELETE', path, tenant.key), 400, 'invalid_request');
  });

  it('finishes on HEAD an upload whose bytes all arrived but whose finish was lost', async () => {
    const { path, mediaId } = await create(tenant.key, 100);
    expect((await patch(path, 0, randomBytes(100))).status).toBe(204);
    // As if the process stopped between storing the last byte and recording it.
    const db = k.kino.database.db;
    await db.updateTable('uploads').set({ completed_at: null }).where('id', '=', uploadIdOf(path)).execute();
    await db
      .updateTable('media')
      .set({ status: 'waiting', source_key: null, source_size: null })
      .where('id', '=', mediaId)
      .execute();
    const probe = await head(path);
    expect(probe.headers.get('upload-offset')).toBe('100');
    expect(await media(mediaId)).toMatchObject({ status: 'processing' });
  });

  it('fills a waiting media named in the metadata', async () => {
    const created = await fetch(`${k.baseUrl}/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Named first' }),
    });
    const id = ((await created.json()) as { id: string }).id;
    const { mediaId, path } = await create(tenant.key, 10, `mediaId ${b64(id)}`);
    expect(mediaId).toBe(id);
    expect((await patch(path, 0, randomBytes(10))).status).toBe(204);
    expect(await media(id)).toMatchObject({ status: 'processing', title: 'Named first' });
    // Its source is there now: a second upload for it is refused.
    const again = await send('POST', '/v1/uploads', tenant.key, {
      'upload-length': '10',
      'upload-metadata': `mediaId ${b64(id)}`,
    });
    await expectProblem(again, 409, 'conflict');
  });

  it('terminates an unfinished upload: bytes and row go, the media keeps waiting', async () => {
    const { path, mediaId } = await create(tenant.key, 50_000);
    expect((await patch(path, 0, randomBytes(20_000))).status).toBe(204);
    const res = await send('DELETE', path, tenant.key);
    expect(res.status).toBe(204);
    const uploadId = uploadIdOf(path);
    expect(await uploadRow(uploadId)).toBeUndefined();
    expect(await k.kino.storage.head(uploadId)).toBeNull();
    await expectProblem(await head(path), 404, 'not_found');
    expect(await media(mediaId)).toMatchObject({ status: 'waiting' });
  });

  it('needs a key that may upload', async () => {
    await expectProblem(
      await send('POST', '/v1/uploads', null, { 'upload-length': '10' }),
      401,
      'unauthorized',
    );
    const readKey = await k.key(tenant.id, 'read');
    await expectProblem(
      await send('POST', '/v1/uploads', readKey, { 'upload-length': '10' }),
      403,
      'insufficient_scope',
    );
    const { path } = await create(tenant.key, 10);
    await expectProblem(await head(path, readKey), 403, 'insufficient_scope');

    const uploadKey = await k.key(tenant.id, 'upload');
    const mine = await create(uploadKey, 10);
    expect((await patch(mine.path, 0, randomBytes(10), uploadKey)).status).toBe(204);
  });

  it("never lets a tenant see or touch another tenant's upload", async () => {
    const other = await k.tenant('other');
    const { path } = await create(tenant.key, 1000);
    expect((await patch(path, 0, randomBytes(100))).status).toBe(204);
    await expectProblem(await head(path, other.key), 404, 'not_found');
    await expectProblem(await patch(path, 100, randomBytes(100), other.key), 404, 'not_found');
    await expectProblem(await send('DELETE', path, other.key), 404, 'not_found');
    expect((await head(path)).headers.get('upload-offset')).toBe('100');
  });

  it('refuses an upload over the tenant limit with 413 too_large before storing anything', async () => {
    const small = await k.tenant('small');
    await k.setMaxUploadBytes(small.id, 1000);
    const before = await k.kino.database.db.selectFrom('uploads').select('id').execute();
    const res = await send(
      'POST',
      '/v1/uploads',
      small.key,
      { ...OCTETS, 'upload-length': '1001' },
      randomBytes(1001),
    );
    expect(res.status).toBe(413);
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ code: 'too_large', limit: 1000 });
    expect(await k.kino.database.db.selectFrom('uploads').select('id').execute()).toEqual(before);
    const mediaOfSmall = await k.kino.database.db
      .selectFrom('media')
      .select('id')
      .where('tenant_id', '=', small.id)
      .execute();
    expect(mediaOfSmall).toEqual([]);
    // At the limit is fine.
    await create(small.key, 1000);
  });

  it.each([
    ['a value that is not base64', 'title not*base64'],
    ['an unknown visibility', `visibility ${b64('secret')}`],
    ['a pair with extra parts', `title ${b64('a')} ${b64('b')}`],
  ])('refuses Upload-Metadata with %s as 400 invalid_request', async (_name, metadata) => {
    const res = await send('POST', '/v1/uploads', tenant.key, {
      'upload-length': '10',
      'upload-metadata': metadata,
    });
    await expectProblem(res, 400, 'invalid_request');
  });

  it('refuses a creation without Upload-Length', async () => {
    await expectProblem(await send('POST', '/v1/uploads', tenant.key), 400, 'invalid_request');
  });

  describe('for a browser uploader on another origin (CORS)', () => {
    const origin = 'https://app.example.com';
    const asked = [
      'Tus-Resumable',
      'Upload-Length',
      'Upload-Offset',
      'Upload-Metadata',
      'Content-Type',
      'Authorization',
      'X-Request-Id',
    ];
    const exposed = [
      'Location',
      'Upload-Offset',
      'Upload-Length',
      'Upload-Expires',
      'Tus-Resumable',
      'Kino-Media-Id',
    ];
    const listed = (value: string | null) => (value ?? '').split(/\s*,\s*/).map((h) => h.toLowerCase());

    it.each(['/v1/uploads', '/v1/uploads/upl_anything'])('allows the preflight to %s', async (path) => {
      for (const method of ['POST', 'PATCH', 'HEAD', 'DELETE']) {
        const res = await fetch(`${k.baseUrl}${path}`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': method,
            'access-control-request-headers': asked.join(',').toLowerCase(),
          },
        });
        expect(res.status).toBe(204);
        expect(['*', origin]).toContain(res.headers.get('access-control-allow-origin'));
        expect(listed(res.headers.get('access-control-allow-methods'))).toContain(method.toLowerCase());
        expect(listed(res.headers.get('access-control-allow-headers'))).toEqual(
          expect.arrayContaining(asked.map((h) => h.toLowerCase())),
        );
      }
    });

    it('lets the page read the tus and Kino headers of every answer', async () => {
      const created = await send('POST', '/v1/uploads', tenant.key, { origin, 'upload-length': '10' });
      expect(created.status).toBe(201);
      const path = new URL(created.headers.get('location') ?? '', `${k.baseUrl}/v1/uploads/`).pathname;
      const answers = [
        created,
        await send('HEAD', path, tenant.key, { origin }),
        await send('PATCH', path, tenant.key, { origin, ...OCTETS, 'upload-offset': '0' }, randomBytes(5)),
        // Kino's own refusals too, or the page sees a network error instead of the status.
        await send('POST', '/v1/uploads', null, { origin, 'upload-length': '10' }),
        await send('PATCH', path, tenant.key, { origin, ...OCTETS, 'upload-offset': '0' }, randomBytes(5)),
      ];
      expect(answers.map((r) => r.status)).toEqual([201, 200, 204, 401, 409]);
      for (const res of answers) {
        expect(['*', origin]).toContain(res.headers.get('access-control-allow-origin'));
        expect(listed(res.headers.get('access-control-expose-headers'))).toEqual(
          expect.arrayContaining(exposed.map((h) => h.toLowerCase())),
        );
      }
    });
  });
});

describe('upload admission (one upload request starting at a time per process, the default)', () => {
  let k: UploadKino;
  let tenant: { id: string; key: string };
  beforeAll(async () => {
    k = await startUploadKino('sqlite+disk');
    tenant = await k.tenant();
  });
  afterAll(() => k.close());

  it('keeps later uploads in line while other requests are answered at once', async () => {
    const auth = { authorization: `Bearer ${tenant.key}` };
    const created = await fetch(`${k.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...auth, 'upload-length': '100' },
    });
    expect(created.status).toBe(201);
    const mediaId = created.headers.get('kino-media-id') ?? '';
    const location = new URL(created.headers.get('location') ?? '', `${k.baseUrl}/v1/uploads/`);

    // A PATCH whose body stalls holds the only slot (for at most a second).
    const stalled = http.request(location, {
      method: 'PATCH',
      headers: { ...TUS, ...auth, ...OCTETS, 'upload-offset': '0', 'content-length': '100' },
    });
    const stalledAnswer = new Promise<number>((resolve, reject) => {
      stalled.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      stalled.on('error', reject);
    });
    stalled.write(randomBytes(10));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const order: string[] = [];
    const startedAt = Date.now();
    const nextUpload = fetch(`${k.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...auth, 'upload-length': '5' },
    }).then((res) => {
      order.push('upload');
      return { status: res.status, ms: Date.now() - startedAt };
    });
    const read = fetch(`${k.baseUrl}/v1/media/${mediaId}`, { headers: auth }).then((res) => {
      order.push('read');
      return res.status;
    });
    expect(await read).toBe(200);
    const upload = await nextUpload;
    expect(order).toEqual(['read', 'upload']);
    expect(upload.status).toBe(201);
    // Its turn came when the stalled request's slot was taken back, not before.
    expect(upload.ms).toBeGreaterThanOrEqual(700);

    stalled.end(randomBytes(90));
    expect(await stalledAnswer).toBe(204);
  });
});
