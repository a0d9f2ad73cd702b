import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';
import { loggerOptions } from '../system/logger.ts';

describe('HTTP surface', () => {
  let kino: TestKino;
  const lines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    kino = await startTestKino('sqlite', { logger: pino(loggerOptions('info'), sink) });
  });
  afterAll(() => kino.close());

  it('puts a request id on every response and every log line, keeping a sane incoming one', async () => {
    const res = await kino.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(res.headers['x-request-id']).toBe('abc-123');
    const generated = await kino.call(null, 'GET', '/v1/media');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.json()).toMatchObject({ requestId: generated.headers['x-request-id'] });
    const hostile = await kino.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'a\u0000b' },
    });
    expect(hostile.headers['x-request-id']).not.toContain('\u0000');
    expect(lines.some((l) => l.includes('"requestId":"abc-123"'))).toBe(true);
  });

  it('never writes a key to the log', async () => {
    const { key } = await kino.tenant('logged');
    await kino.call(key, 'GET', '/v1/media');
    await kino.call(`${key}-wrong`, 'GET', '/v1/media');
    const log = lines.join('');
    expect(log).toContain('"route":"/v1/media"');
    expect(log).not.toContain(key.slice(-43));
    expect(log).not.toContain(OPERATOR_KEY);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await kino.call(null, 'GET', '/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'route_not_found' });
  });

  it('serves health, readiness and Prometheus metrics without a key', async () => {
    expect((await kino.call(null, 'GET', '/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await kino.call(null, 'GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, ffmpeg: { ok: true } },
    });
    const metrics = await kino.call(null, 'GET', '/metrics');
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(
      /kino_http_request_duration_seconds_bucket\{.*route="\/healthz".*status="200"/,
    );
  });

  it('describes every API route in the OpenAPI document, generated from the validating schemas', async () => {
    const doc = (await kino.call(null, 'GET', '/v1/openapi.json')).json<{
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>();
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'post /v1/tenants',
        'get /v1/media',
        'post /v1/media',
        'get /v1/media/{id}',
        'patch /v1/media/{id}',
        'delete /v1/media/{id}',
        'post /v1/keys',
        'delete /v1/keys/{keyId}',
        'get /readyz',
      ]),
    );
    expect(JSON.stringify(doc.paths['/v1/media']?.post?.requestBody)).toContain('visibility');
    expect((await kino.call(null, 'GET', '/docs/')).statusCode).toBe(200);
  });
});
