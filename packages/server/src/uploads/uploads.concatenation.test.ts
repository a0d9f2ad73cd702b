import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';
import { loggerOptions } from '../system/logger.ts';

const TUS = { 'tus-resumable': '1.0.0' };
/** pino's number for `error`. */
const ERROR_LEVEL = 50;

// tus requests are handed to @tus/server on the raw socket, so this runs over a real port.
describe('the tus concatenation extension (parallel uploads)', () => {
  let kino: TestKino;
  let base: string;
  let tenant: { id: string; key: string };
  const lines: { level: number; msg?: string }[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number });
        done();
      },
    });
    kino = await startTestKino('sqlite', { logger: pino(loggerOptions('info'), sink) });
    await kino.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(kino.app.server.address() as AddressInfo).port}`;
    tenant = await kino.tenant('concat');
  });
  afterAll(() => kino.close());

  const post = (url: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { ...TUS, ...headers } });
  const countOf = async (table: 'uploads' | 'media') =>
    (await kino.database.db.selectFrom(table).select('id').where('tenant_id', '=', tenant.id).execute())
      .length;
  const expectNotSupported = async (res: Response) => {
    expect(res.status).toBe(501);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 501, code: 'not_supported', requestId: expect.any(String) });
    expect(String(problem.detail)).toMatch(/concatenation/);
    expect(res.headers.get('kino-media-id')).toBeNull();
  };

  it.each([
    ['a partial upload', { 'upload-concat': 'partial', 'upload-length': '10' }],
    ['the final upload', { 'upload-concat': 'final;/v1/uploads/upl_a /v1/uploads/upl_b' }],
  ])('refuses %s with 501 not_supported, creating nothing and logging no error', async (_what, headers) => {
    const before = { uploads: await countOf('uploads'), media: await countOf('media') };
    const logged = lines.length;
    await expectNotSupported(
      await post(`${base}/v1/uploads`, { authorization: `Bearer ${tenant.key}`, ...headers }),
    );
    expect({ uploads: await countOf('uploads'), media: await countOf('media') }).toEqual(before);
    expect(lines.slice(logged).filter((l) => l.level >= ERROR_LEVEL)).toEqual([]);
  });

  it('refuses it through a one-time upload URL without spending the URL', async () => {
    const made = await kino.call(tenant.key, 'POST', '/v1/upload-urls', {});
    const { url } = made.json<{ url: string }>();
    // The URL names the server's public address; this test listens on its own port.
    const endpoint = `${base}${new URL(url).pathname}`;
    const logged = lines.length;
    await expectNotSupported(await post(endpoint, { 'upload-concat': 'partial', 'upload-length': '10' }));
    expect(lines.slice(logged).filter((l) => l.level >= ERROR_LEVEL)).toEqual([]);
    expect((await post(endpoint, { 'upload-length': '10' })).status).toBe(201);
  });
});
