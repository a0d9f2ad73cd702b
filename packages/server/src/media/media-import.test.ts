import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { generate } from '@kino/testkit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_BACKENDS, startMediaKino, type MediaKino } from '../../test/media-kino.ts';
import { waitForMedia } from '../../test/media-upload.ts';
import {
  fileSource,
  PUBLIC_TEST_ADDRESS,
  startSource,
  tableResolver,
  testRoute,
  type SourceServer,
} from '../../test/test-source-server.ts';
import type { MediaJson } from './media.schemas.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const SECRETS = /hunter2|pa55word|X-Amz-Signature/;

describe.each(MEDIA_BACKENDS)('POST /v1/media with input.url on %s', (backend) => {
  let kino: MediaKino;
  let key: string;
  let clip: Buffer;
  const sources: SourceServer[] = [];

  beforeAll(async () => {
    clip = await readFile(await generate({ width: 320, height: 180, durationSec: 2 }));
    // The sources below listen on loopback, as KINO_IMPORT_ALLOW_PRIVATE=1 allows.
    kino = await startMediaKino(backend, { importAllowPrivate: true });
    key = (await kino.tenant()).key;
  });
  afterAll(async () => {
    await kino.close();
    await Promise.all(sources.map((s) => s.close()));
  });

  async function source(handler: Parameters<typeof startSource>[0]): Promise<SourceServer> {
    const server = await startSource(handler);
    sources.push(server);
    return server;
  }

  async function importMedia(url: string, k = key): Promise<MediaJson> {
    const res = await kino.call(k, 'POST', '/v1/media', { input: { url } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<MediaJson>();
  }

  async function settled(id: string, k = key): Promise<MediaJson> {
    const { final } = await waitForMedia(kino, k, [id], { timeoutMs: 60_000 });
    const media = final.get(id);
    if (!media) throw new Error(`media ${id} was never read`);
    return media;
  }

  async function storedSha256(id: string): Promise<string | null | undefined> {
    const row = await kino.database.db
      .selectFrom('media')
      .select('source_sha256')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.source_sha256;
  }

  it('imports a real media that ends ready, showing no secret of its URL', async () => {
    const server = await source(fileSource({ data: clip, etag: '"clip"' }));
    const url = `http://user:pa55word@127.0.0.1:${server.port}/talks/Intro%20Clip.mp4?X-Amz-Signature=hunter2`;
    const created = await importMedia(url);
    expect(created).toMatchObject({ status: 'processing', title: 'Intro Clip', error: null });

    const media = await settled(created.id);
    expect(media).toMatchObject({ status: 'ready', playable: true, error: null });
    expect(await storedSha256(created.id)).toBe(sha256(clip));
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('user:pa55word').toString('base64')}`,
    );
    expect(JSON.stringify(media)).not.toMatch(SECRETS);
  });

  it('resumes a connection dropped midway and stores the exact bytes', async () => {
    const server = await source(
      fileSource({ data: clip, etag: '"clip"', dropAfter: (n) => (n === 0 ? 30_000 : undefined) }),
    );
    const created = await importMedia(`${server.origin}/clip.mp4`);
    expect(await settled(created.id)).toMatchObject({ status: 'ready' });
    expect(await storedSha256(created.id)).toBe(sha256(clip));
    expect(server.requests.map((r) => r.headers.range)).toEqual([undefined, 'bytes=30000-']);
  });

  it.each([
    ['a 404', (_req, res) => res.writeHead(404).end('not here'), 'the source answered 404 Not Found'],
    [
      'an HTML page',
      fileSource({ data: Buffer.from('<!doctype html><title>Sign in</title>'), contentType: 'video/mp4' }),
      'not a media file: looks like HTML',
    ],
  ] satisfies [string, Parameters<typeof startSource>[0], string][])(
    'ends import_failed for %s, naming no secret',
    async (_name, handler, reason) => {
      const server = await source(handler);
      const created = await importMedia(`${server.origin}/v.mp4?sig=hunter2`);
      const media = await settled(created.id);
      expect(media).toMatchObject({
        status: 'errored',
        playable: false,
        error: { code: 'import_failed', message: `The import failed: ${reason}.` },
      });
      expect(JSON.stringify(media)).not.toMatch(SECRETS);
      expect(server.requests).toHaveLength(1);
    },
  );

  it("ends import_failed for a file over the tenant's limit", async () => {
    const tenant = await kino.tenant('small');
    await kino.setMaxUploadBytes(tenant.id, 10_000);
    const server = await source(fileSource({ data: clip }));
    const created = await importMedia(`${server.origin}/big.mp4`, tenant.key);
    const media = await settled(created.id, tenant.key);
    expect(media.error).toEqual({
      code: 'import_failed',
      message: `The import failed: the file is ${clip.length} bytes, more than the limit of 10000 bytes.`,
    });
  });

  it("keeps each tenant's imports to itself", async () => {
    const a = await kino.tenant('a');
    const b = await kino.tenant('b');
    const server = await source(fileSource({ data: clip }));
    const created = await importMedia(`${server.origin}/a.mp4`, a.key);
    expect((await kino.call(b.key, 'GET', `/v1/media/${created.id}`)).statusCode).toBe(404);
    const jobs = await kino.call(b.key, 'GET', '/v1/jobs?type=media.import');
    expect(jobs.json<{ items: unknown[] }>().items).toEqual([]);
    expect(await settled(created.id, a.key)).toMatchObject({ status: 'ready' });
  });

  it.each([
    ['an ftp URL', { url: 'ftp://example.com/a.mp4' }],
    ['a file URL', { url: 'file:///etc/passwd' }],
    ['no URL', {}],
    ['an unknown field', { url: 'https://example.com/a.mp4', method: 'POST' }],
    ['a URL too long', { url: `https://example.com/${'a'.repeat(9000)}` }],
  ])('answers 400 invalid_request for %s', async (_name, input) => {
    const res = await kino.call(key, 'POST', '/v1/media', { input });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_request' });
  });
});

describe('URL import without KINO_IMPORT_ALLOW_PRIVATE', () => {
  let kino: MediaKino;
  let inside: SourceServer;
  let redirector: SourceServer;

  beforeAll(async () => {
    inside = await startSource(fileSource({ data: Buffer.alloc(1000) }));
    // cdn.test resolves to a public address, which the test routes to this loopback server.
    redirector = await startSource((_req, res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${inside.port}/secret.mp4` }).end(),
    );
    kino = await startMediaKino('sqlite+disk', {
      importFetch: { resolver: tableResolver({ 'cdn.test': [PUBLIC_TEST_ADDRESS] }), route: testRoute },
    });
  });
  afterAll(async () => {
    await kino.close();
    await inside.close();
    await redirector.close();
  });

  it('refuses a redirect to a private address and ends import_failed', async () => {
    const { key } = await kino.tenant();
    const created = (
      await kino.call(key, 'POST', '/v1/media', {
        input: { url: `http://cdn.test:${redirector.port}/v.mp4` },
      })
    ).json<MediaJson>();
    const { final } = await waitForMedia(kino, key, [created.id], { timeoutMs: 30_000 });
    const media = final.get(created.id);
    expect(media?.status).toBe('errored');
    expect(media?.error?.code).toBe('import_failed');
    expect(media?.error?.message).toMatch(
      /^The import failed: refused to follow a redirect to http:\/\/127\.0\.0\.1/,
    );
    expect(redirector.requests).toHaveLength(1);
    expect(inside.requests).toHaveLength(0);
  });
});
