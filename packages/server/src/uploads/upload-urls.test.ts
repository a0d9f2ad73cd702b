import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_BACKENDS, startUploadKino, type UploadKino } from '../../test/upload-kino.ts';

const TUS = { 'tus-resumable': '1.0.0' };
const OCTETS = { 'content-type': 'application/offset+octet-stream' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface UploadUrl {
  id: string;
  url: string;
  mediaId: string;
  expiresAt: string;
  maxSizeBytes: number;
  allowedOrigin: string | null;
}

describe.each(UPLOAD_BACKENDS)('one-time upload URLs on %s', (backend) => {
  let k: UploadKino;
  let tenant: { id: string; key: string };
  beforeAll(async () => {
    k = await startUploadKino(backend);
    tenant = await k.tenant();
  });
  afterAll(() => k.close());

  const makeUrl = async (body: Record<string, unknown> = {}, key = tenant.key) =>
    fetch(`${k.baseUrl}/v1/upload-urls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const newUrl = async (body: Record<string, unknown> = {}) => {
    const res = await makeUrl(body);
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as UploadUrl;
  };
  /** A tus request as a browser holding only the URL sends it: never an Authorization header. */
  const tus = (method: string, url: string, headers: Record<string, string> = {}, body?: Buffer) =>
    fetch(url, { method, headers: { ...TUS, ...headers }, ...(body && { body }) });
  const createUpload = (url: string, size: number, headers: Record<string, string> = {}) =>
    tus('POST', url, {
      'upload-length': String(size),
      'upload-metadata': `filename ${b64('holiday.mp4')}`,
      ...headers,
    });
  const media = async (id: string) =>
    (await (
      await fetch(`${k.baseUrl}/v1/media/${id}`, { headers: { authorization: `Bearer ${tenant.key}` } })
    ).json()) as Record<string, unknown>;
  const expectProblem = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = await res.text();
    if (body) expect(JSON.parse(body)).toMatchObject({ status, code });
  };
  const uploadsOfMedia = (mediaId: string) =>
    k.kino.database.db.selectFrom('uploads').selectAll().where('media_id', '=', mediaId).execute();

  it('makes a URL and its waiting media, keeping only a hash of the token', async () => {
    const before = Date.now();
    const made = await newUrl({ title: 'Holiday', visibility: 'private' });
    expect(made.id).toMatch(/^uur_/);
    expect(made.url).toMatch(new RegExp(`^${k.baseUrl}/v1/direct-uploads/[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(made.expiresAt)).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(await media(made.mediaId)).toMatchObject({
      status: 'waiting',
      title: 'Holiday',
      visibility: 'private',
    });
    const token = made.url.split('/').pop() ?? '';
    const row = await k.kino.database.db
      .selectFrom('upload_urls')
      .selectAll()
      .where('id', '=', made.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('takes a whole tus upload with the URL alone, and only one', async () => {
    const made = await newUrl();
    const data = randomBytes(200_000);
    const created = await createUpload(made.url, data.length);
    expect(created.status, await created.clone().text()).toBe(201);
    expect(created.headers.get('kino-media-id')).toBe(made.mediaId);
    // A tus client resolves the Location against its endpoint, as tus-js-client and Uppy do.
    const location = new URL(created.headers.get('location') ?? '', made.url).href;
    expect(location).toMatch(new RegExp(`^${made.url}/upl_[a-z0-9]+$`));

    const first = await tus('PATCH', location, { ...OCTETS, 'upload-offset': '0' }, data.subarray(0, 80_000));
    expect(first.status).toBe(204);
    const probe = await tus('HEAD', location);
    expect(probe.headers.get('upload-offset')).toBe('80000');
    const rest = await tus('PATCH', location, { ...OCTETS, 'upload-offset': '80000' }, data.subarray(80_000));
    expect(rest.status).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(data.length));

    expect(await media(made.mediaId)).toMatchObject({ status: 'processing' });
    const [upload] = await uploadsOfMedia(made.mediaId);
    const stored = await k.kino.storage.get(upload?.id ?? '');
    expect(Buffer.concat((await stored.body.toArray()) as Buffer[]).equals(data)).toBe(true);

    // Replayed: the URL has created its upload.
    await expectProblem(await createUpload(made.url, 10), 409, 'upload_url_used');
    expect(await uploadsOfMedia(made.mediaId)).toHaveLength(1);
  });

  it('creates one upload when two creations race', async () => {
    const made = await newUrl();
    const answers = await Promise.all([createUpload(made.url, 10), createUpload(made.url, 10)]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await uploadsOfMedia(made.mediaId)).toHaveLength(1);
  });

  it('refuses an expired URL with 410 upload_url_expired', async () => {
    const made = await newUrl({ expiresInSeconds: 60 });
    await k.kino.database.db
      .updateTable('upload_urls')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', made.id)
      .execute();
    await expectProblem(await createUpload(made.url, 10), 410, 'upload_url_expired');
    expect(await uploadsOfMedia(made.mediaId)).toEqual([]);
  });

  it('refuses another origin with 403 origin_not_allowed', async () => {
    const made = await newUrl({ allowedOrigin: 'https://app.example.com' });
    expect(made.allowedOrigin).toBe('https://app.example.com');
    await expectProblem(
      await createUpload(made.url, 10, { origin: 'https://evil.example.net' }),
      403,
      'origin_not_allowed',
    );
    const created = await createUpload(made.url, 10, { origin: 'https://app.example.com' });
    expect(created.status).toBe(201);
    const location = new URL(created.headers.get('location') ?? '', made.url).href;
    await expectProblem(
      await tus(
        'PATCH',
        location,
        { ...OCTETS, 'upload-offset': '0', origin: 'https://evil.example.net' },
        randomBytes(10),
      ),
      403,
      'origin_not_allowed',
    );
  });

  it('refuses a file above its size with 413 too_large before storing anything', async () => {
    const made = await newUrl({ maxSizeBytes: 1000 });
    const res = await tus('POST', made.url, { ...OCTETS, 'upload-length': '1001' }, randomBytes(1001));
    await expectProblem(res, 413, 'too_large');
    expect(await uploadsOfMedia(made.mediaId)).toEqual([]);
    // The URL is still good for a file within its size.
    expect((await createUpload(made.url, 1000)).status).toBe(201);
  });

  it('reaches only its own upload, and nothing with an unknown token', async () => {
    const made = await newUrl();
    const created = await createUpload(made.url, 10);
    expect(created.status).toBe(201);
    const other = await fetch(`${k.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, authorization: `Bearer ${tenant.key}`, 'upload-length': '10' },
    });
    const otherId = (other.headers.get('location') ?? '').split('/').pop() ?? '';
    await expectProblem(await tus('HEAD', `${made.url}/${otherId}`), 404, 'not_found');
    await expectProblem(
      await createUpload(`${k.baseUrl}/v1/direct-uploads/${'x'.repeat(43)}`, 10),
      404,
      'not_found',
    );
  });

  it('is made only by a key that may upload, within the tenant limit', async () => {
    const readKey = await k.key(tenant.id, 'read');
    await expectProblem(await makeUrl({}, readKey), 403, 'insufficient_scope');
    expect((await makeUrl({}, await k.key(tenant.id, 'upload'))).status).toBe(201);
    await k.setMaxUploadBytes(tenant.id, 5000);
    await expectProblem(await makeUrl({ maxSizeBytes: 5001 }), 400, 'invalid_request');
    expect((await newUrl()).maxSizeBytes).toBe(5000);
    await expectProblem(await makeUrl({ expiresInSeconds: 7 * 24 * 3600 + 1 }), 400, 'invalid_request');
    await expectProblem(
      await makeUrl({ allowedOrigin: 'https://app.example.com/path' }),
      400,
      'invalid_request',
    );
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${k.baseUrl}/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/upload-urls',
        '/v1/direct-uploads/{token}',
        '/v1/direct-uploads/{token}/{uploadId}',
      ]),
    );
  });
});
