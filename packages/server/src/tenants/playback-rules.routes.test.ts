import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayKino, type PlayKino } from '../../test/play-fixture.ts';
import { OPERATOR_KEY } from '../../test/test-kino.ts';

describe('playback rules API', () => {
  let kino: PlayKino;
  let acme: { id: string; key: string };
  let other: { id: string; key: string };
  const as = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    kino = await startPlayKino();
    acme = await kino.tenant('acme');
    other = await kino.tenant('other');
  });
  afterAll(async () => {
    await kino.close();
  });

  it('starts with no rules', async () => {
    const res = await kino.request('GET', '/v1/tenant/playback-rules', { headers: as(acme.key) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      allowedReferrers: [],
      allowMissingReferrer: true,
      ipAllow: [],
      ipDeny: [],
      updatedAt: null,
    });
  });

  it('replaces a tenant’s rules with normalized ones, seen by the operator and not by other tenants', async () => {
    const put = await kino.request('PUT', '/v1/tenant/playback-rules', {
      headers: as(acme.key),
      body: {
        allowedReferrers: ['Example.COM', '*.bücher.de'],
        allowMissingReferrer: false,
        ipAllow: ['10.0.0.0/8', '2001:db8::/32'],
        ipDeny: [' 10.6.6.6 '],
      },
    });
    expect(put.statusCode).toBe(200);
    const expected = {
      allowedReferrers: ['example.com', '*.xn--bcher-kva.de'],
      allowMissingReferrer: false,
      ipAllow: ['10.0.0.0/8', '2001:db8::/32'],
      ipDeny: ['10.6.6.6'],
    };
    expect(put.json()).toMatchObject(expected);
    const mine = await kino.request('GET', '/v1/tenant/playback-rules', { headers: as(acme.key) });
    expect(mine.json()).toMatchObject(expected);
    expect(mine.json<{ updatedAt: string }>().updatedAt).toMatch(/^\d{4}-/);
    const operator = await kino.request('GET', `/v1/tenants/${acme.id}/playback-rules`, {
      headers: as(OPERATOR_KEY),
    });
    expect(operator.json()).toMatchObject(expected);
    const theirs = await kino.request('GET', '/v1/tenant/playback-rules', { headers: as(other.key) });
    expect(theirs.json()).toMatchObject({ allowedReferrers: [], updatedAt: null });
  });

  it('lets the operator set any tenant’s rules, and clears them with {}', async () => {
    const url = `/v1/tenants/${other.id}/playback-rules`;
    const put = await kino.request('PUT', url, {
      headers: as(OPERATOR_KEY),
      body: { ipDeny: ['203.0.113.0/24'] },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ ipDeny: ['203.0.113.0/24'], allowedReferrers: [] });
    const cleared = await kino.request('PUT', url, { headers: as(OPERATOR_KEY), body: {} });
    expect(cleared.json()).toMatchObject({ ipDeny: [], allowMissingReferrer: true });
    const missing = await kino.request('GET', '/v1/tenants/ten_00000000000000000000000000/playback-rules', {
      headers: as(OPERATOR_KEY),
    });
    expect(missing.statusCode).toBe(404);
  });

  it('refuses invalid rules with 400 problem+json', async () => {
    for (const body of [
      { allowedReferrers: ['https://example.com/'] },
      { allowedReferrers: ['*.*.example.com'] },
      { allowedReferrers: ['example.com:8080'] },
      { ipAllow: ['10.0.0.0/33'] },
      { ipDeny: ['example.com'] },
      { allowMissingReferrer: 'no' },
      { unknown: true },
      { allowedReferrers: Array.from({ length: 101 }, (_, i) => `d${i}.example`) },
    ]) {
      const res = await kino.request('PUT', '/v1/tenant/playback-rules', { headers: as(acme.key), body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_request' });
    }
  });

  it('is described in the OpenAPI document', async () => {
    const res = await kino.request('GET', '/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/tenant/playback-rules',
        '/v1/tenants/{tenantId}/playback-rules',
        '/v1/signing-keys/rotate',
        '/v1/media/{id}/playback-tokens',
      ]),
    );
  });

  it('is for full-scope keys and the operator only', async () => {
    const read = await kino.request('POST', `/v1/tenants/${acme.id}/keys`, {
      headers: as(OPERATOR_KEY),
      body: { scope: 'read' },
    });
    const readKey = read.json<{ apiKey: string }>().apiKey;
    for (const method of ['GET', 'PUT'] as const) {
      const res = await kino.request(method, '/v1/tenant/playback-rules', { headers: as(readKey), body: {} });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'insufficient_scope' });
    }
    expect(
      (await kino.request('GET', `/v1/tenants/${acme.id}/playback-rules`, { headers: as(acme.key) }))
        .statusCode,
    ).toBe(403);
    expect(
      (await kino.request('GET', '/v1/tenant/playback-rules', { headers: as(OPERATOR_KEY) })).statusCode,
    ).toBe(403);
    expect((await kino.request('GET', '/v1/tenant/playback-rules')).statusCode).toBe(401);
  });
});
