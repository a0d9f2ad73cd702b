import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';
import { findNul } from './nul-characters.ts';

describe('findNul', () => {
  it('points at the first string or key holding U+0000, at any depth', () => {
    expect(findNul({ title: 'ok', tags: ['a', 'b'] })).toBeUndefined();
    expect(findNul('a\u0000')).toBe('/');
    expect(findNul({ title: 'a\u0000b' })).toBe('/title');
    expect(findNul({ input: { url: 'https://x/\u0000' } })).toBe('/input/url');
    expect(findNul({ tags: ['ok', 'b\u0000'] })).toBe('/tags/1');
    expect(findNul({ 'a/b': { 'k\u0000': 1 } })).toBe('/a~1b');
    expect(findNul(Buffer.from([0]))).toBeUndefined();
    // The query string parser's objects have a prototype of their own without Object's.
    const query = Object.assign(Object.create(Object.create(null) as object) as object, { q: '\u0000' });
    expect(findNul(query)).toBe('/q');
  });

  it('walks deep nesting without overflowing the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findNul(deep)).toMatch(/^(\/0)+$/);
  });
});

/** NUL characters are refused at the boundary: PostgreSQL cannot store them in text. */
describe.each(DIALECTS)('U+0000 in requests on %s', (dialect) => {
  let kino: TestKino;
  let key: string;
  let mediaId: string;

  beforeAll(async () => {
    kino = await startTestKino(dialect);
    key = (await kino.tenant()).key;
    const created = await kino.call(key, 'POST', '/v1/media', { title: 'plain' });
    mediaId = created.json<{ id: string }>().id;
  });
  afterAll(() => kino.close());

  const expectRefused = (res: { statusCode: number; json: () => unknown }, where: string, path: string) => {
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'invalid_request',
      errors: [{ in: where, path, message: expect.stringMatching(/NUL/) }],
    });
  };

  it('refuses it in JSON bodies: titles, descriptions, tags, tenant names, the login email', async () => {
    expectRefused(await kino.call(key, 'POST', '/v1/media', { title: 'a\u0000b' }), 'body', '/title');
    expectRefused(
      await kino.call(key, 'PATCH', `/v1/media/${mediaId}`, { description: 'x\u0000' }),
      'body',
      '/description',
    );
    expectRefused(
      await kino.call(key, 'POST', '/v1/media', { title: 't', tags: ['ok', 'b\u0000'] }),
      'body',
      '/tags/1',
    );
    expectRefused(await kino.call(OPERATOR_KEY, 'POST', '/v1/tenants', { name: 'n\u0000' }), 'body', '/name');
    expectRefused(
      await kino.call(null, 'POST', '/v1/auth/login', {
        email: 'a\u0000@example.com',
        password: 'a good long password',
      }),
      'body',
      '/email',
    );
  });

  it('refuses it in the query string and in path parameters', async () => {
    expectRefused(await kino.call(key, 'GET', '/v1/media?q=a%00b'), 'querystring', '/q');
    expectRefused(await kino.call(key, 'GET', '/v1/media/med%00x'), 'params', '/id');
  });

  it('refuses it in the text fields and the file name of a form upload', async () => {
    const boundary = '----kino-nul-test';
    const form = (field: string, filename: string) =>
      Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n${field}\r\n`),
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
            'Content-Type: video/mp4\r\n\r\n',
        ),
        Buffer.alloc(1024, 1),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
    for (const payload of [form('a\u0000b', 'clip.mp4'), form('fine', 'cl\u0000ip.mp4')]) {
      const res = await kino.app.inject({
        method: 'POST',
        url: '/v1/media',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        payload,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_request', detail: expect.stringMatching(/NUL/) });
    }
  });

  it('refuses it in a tus Upload-Metadata value Kino reads', async () => {
    const res = await kino.app.inject({
      method: 'POST',
      url: '/v1/uploads',
      headers: {
        authorization: `Bearer ${key}`,
        'tus-resumable': '1.0.0',
        'upload-length': '1024',
        'upload-metadata': `title ${Buffer.from('a\u0000b').toString('base64')}`,
      },
    });
    expect(res.statusCode, res.body).toBe(400);
  });

  it('leaves everything else alone', async () => {
    expect((await kino.call(key, 'GET', '/v1/media?q=%E2%80%8B')).statusCode).toBe(200);
    const res = await kino.call(key, 'PATCH', `/v1/media/${mediaId}`, { description: 'line\u0001\nline' });
    expect(res.statusCode).toBe(200);
  });
});
