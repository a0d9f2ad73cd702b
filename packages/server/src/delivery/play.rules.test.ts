import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishMedia, startPlayKino, type PlayKino, type PublishedMedia } from '../../test/play-fixture.ts';
import { OPERATOR_KEY } from '../../test/test-kino.ts';
import { RULES_TTL_MS } from './playback-rules-cache.ts';

const as = (key: string) => ({ authorization: `Bearer ${key}` });

describe('tenant playback rules in front of /play and /embed', () => {
  let kino: PlayKino;
  let tenant: { id: string; key: string };
  let bystander: { id: string; key: string };
  let pub: PublishedMedia;
  let priv: PublishedMedia;
  let theirs: PublishedMedia;
  let token: string;

  const setRules = async (body: Record<string, unknown>) => {
    const res = await kino.request('PUT', '/v1/tenant/playback-rules', { headers: as(tenant.key), body });
    expect(res.statusCode).toBe(200);
  };
  const play = (url: string, headers: Record<string, string> = {}, remoteAddress?: string) =>
    kino.request('GET', url, { headers, ...(remoteAddress !== undefined && { remoteAddress }) });
  // Every kind of URL: public media, private media by token, and the embed pages.
  const urls = () => [
    `/play/${pub.id}/master.m3u8`,
    `/play/${pub.id}/${pub.version}/video-180p/0.m4s`,
    `/play/${pub.id}/poster.jpg`,
    `/play/t/${token}/${priv.id}/master.m3u8`,
    `/play/t/${token}/${priv.id}/${priv.version}/audio/init.mp4`,
    `/embed/${pub.id}`,
    `/embed/${priv.id}?token=${token}`,
  ];

  beforeAll(async () => {
    // Behind a trusted proxy on loopback: X-Forwarded-For names the client.
    kino = await startPlayKino({ KINO_TRUST_PROXY: '127.0.0.1' });
    tenant = await kino.tenant('acme');
    bystander = await kino.tenant('bystander');
    pub = await publishMedia(kino, tenant);
    priv = await publishMedia(kino, tenant, { visibility: 'private' });
    theirs = await publishMedia(kino, bystander);
    const res = await kino.request('POST', `/v1/media/${priv.id}/playback-tokens`, {
      headers: as(tenant.key),
    });
    token = res.json<{ token: string }>().token;
  });
  afterAll(async () => {
    await kino.close();
  });

  it('refuse addresses outside the allow list or in the deny list, on every URL, public media too', async () => {
    await setRules({ ipAllow: ['198.51.100.0/24', '2001:db8::/32'], ipDeny: ['198.51.100.66'] });
    for (const url of urls()) {
      for (const ip of ['198.51.100.7', '2001:db8::42']) {
        expect((await play(url, { 'x-forwarded-for': ip })).statusCode, `${url} ${ip}`).toBe(200);
      }
      for (const ip of ['198.51.100.66', '203.0.113.5', '2001:db9::1']) {
        const res = await play(url, { 'x-forwarded-for': ip });
        expect(res.statusCode, `${url} ${ip}`).toBe(403);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toMatchObject({ code: 'ip_not_allowed', status: 403 });
        expect(res.headers['cache-control']).toBe('no-store');
      }
    }
    // Another tenant's media is not affected.
    expect(
      (await play(`/play/${theirs.id}/master.m3u8`, { 'x-forwarded-for': '203.0.113.5' })).statusCode,
    ).toBe(200);
  });

  it('make every answer private while they apply, so no shared cache serves a refused viewer', async () => {
    const res = await play(`/play/${pub.id}/${pub.version}/video-180p/0.m4s`, {
      'x-forwarded-for': '198.51.100.7',
    });
    expect(res.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    await setRules({});
    const open = await play(`/play/${pub.id}/${pub.version}/video-180p/0.m4s`);
    expect(open.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('believe X-Forwarded-For only from a trusted proxy', async () => {
    await setRules({ ipDeny: ['203.0.113.0/24'] });
    const url = `/play/${pub.id}/master.m3u8`;
    // From the trusted proxy: the forwarded address counts.
    expect((await play(url, { 'x-forwarded-for': '203.0.113.9' })).statusCode).toBe(403);
    // From anyone else, the header is ignored: the socket's address counts, both ways.
    expect((await play(url, { 'x-forwarded-for': '203.0.113.9' }, '198.51.100.20')).statusCode).toBe(200);
    expect((await play(url, { 'x-forwarded-for': '198.51.100.20' }, '203.0.113.9')).statusCode).toBe(403);

    const direct = await startPlayKino();
    try {
      const t = await direct.tenant();
      const m = await publishMedia(direct, t);
      await direct.request('PUT', '/v1/tenant/playback-rules', {
        headers: as(t.key),
        body: { ipDeny: ['203.0.113.0/24'] },
      });
      // Without KINO_TRUST_PROXY a client cannot choose its address.
      const res = await direct.request('GET', `/play/${m.id}/master.m3u8`, {
        headers: { 'x-forwarded-for': '198.51.100.1' },
        remoteAddress: '203.0.113.9',
      });
      expect(res.statusCode).toBe(403);
      const spoof = await direct.request('GET', `/play/${m.id}/master.m3u8`, {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      expect(spoof.statusCode).toBe(200);
    } finally {
      await direct.close();
    }
  });

  it('allow listed referrer domains, exact and wildcard, and Kino’s own pages', async () => {
    await setRules({ allowedReferrers: ['example.com', '*.example.org'], allowMissingReferrer: false });
    for (const url of urls()) {
      for (const referer of [
        'https://example.com/watch',
        'https://www.example.org/a',
        'http://a.b.example.org:8080/',
      ]) {
        expect((await play(url, { referer })).statusCode, `${url} ${referer}`).toBe(200);
      }
      for (const referer of [
        'https://www.example.com/',
        'https://example.org/',
        'https://evil.test/',
        'https://example.com.evil.test/',
        'file:///x.html',
      ]) {
        const res = await play(url, { referer });
        expect(res.statusCode, `${url} ${referer}`).toBe(403);
        expect(res.json()).toMatchObject({ code: 'referrer_not_allowed' });
      }
      const missing = await play(url);
      expect(missing.statusCode, url).toBe(403);
    }
    // The embed page's own requests come from Kino's origin.
    expect(
      (
        await play(`/play/${pub.id}/master.m3u8`, {
          host: 'video.kino.test',
          referer: `https://video.kino.test/embed/${pub.id}`,
        })
      ).statusCode,
    ).toBe(200);
  });

  it('let a request without a Referer through when the tenant allows it (native players, no-referrer pages)', async () => {
    await setRules({ allowedReferrers: ['example.com'], allowMissingReferrer: true });
    expect((await play(`/play/${pub.id}/master.m3u8`)).statusCode).toBe(200);
    expect((await play(`/play/${pub.id}/master.m3u8`, { referer: 'https://evil.test/' })).statusCode).toBe(
      403,
    );
  });

  it('tell browsers which pages may frame the embed page', async () => {
    await setRules({ allowedReferrers: ['example.com', '*.example.org'] });
    const res = await play(`/embed/${pub.id}`, { referer: 'https://example.com/' });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['content-security-policy'])).toContain(
      "frame-ancestors 'self' example.com *.example.org",
    );
    expect(res.headers['referrer-policy']).toBe('same-origin');
    await setRules({});
    const open = await play(`/embed/${pub.id}`);
    expect(String(open.headers['content-security-policy'])).not.toContain('frame-ancestors');
  });

  it('apply at once in the process that changed them (others within the cache lifetime)', async () => {
    expect(RULES_TTL_MS).toBeLessThanOrEqual(5_000);
    const url = `/play/${pub.id}/master.m3u8`;
    await setRules({ ipDeny: ['127.0.0.1'] });
    expect((await play(url)).statusCode).toBe(403);
    await setRules({});
    expect((await play(url)).statusCode).toBe(200);
    // The operator's change too.
    await kino.request('PUT', `/v1/tenants/${tenant.id}/playback-rules`, {
      headers: as(OPERATOR_KEY),
      body: { ipDeny: ['127.0.0.1'] },
    });
    expect((await play(url)).statusCode).toBe(403);
    await setRules({});
  });

  it('refuse the embed page of a private media without a valid token', async () => {
    expect((await play(`/embed/${priv.id}`)).statusCode).toBe(401);
    expect((await play(`/embed/${priv.id}?token=${token}x`)).statusCode).toBe(403);
    expect((await play(`/embed/${pub.id}`)).statusCode).toBe(200);
    expect((await play('/embed/med_00000000000000000000000000')).statusCode).toBe(404);
  });
});

describe('playback token claims and key rotation', () => {
  let kino: PlayKino;
  let tenant: { id: string; key: string };
  let priv: PublishedMedia;

  const tokenFor = async (body: Record<string, unknown> = {}) => {
    const res = await kino.request('POST', `/v1/media/${priv.id}/playback-tokens`, {
      headers: as(tenant.key),
      body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ token: string; playback: { embed: string } }>();
  };
  const kid = (token: string) =>
    (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { k: string }).k;
  const master = (token: string, headers: Record<string, string> = {}, remoteAddress?: string) =>
    kino.request('GET', `/play/t/${token}/${priv.id}/master.m3u8`, {
      headers,
      ...(remoteAddress !== undefined && { remoteAddress }),
    });

  beforeAll(async () => {
    kino = await startPlayKino();
    tenant = await kino.tenant();
    priv = await publishMedia(kino, tenant, { visibility: 'private' });
  });
  afterAll(async () => {
    await kino.close();
  });

  it('bind a token to referrer domains: other pages and requests without a Referer are refused', async () => {
    const { token, playback } = await tokenFor({ referrers: ['Example.com', '*.example.org'] });
    expect((await master(token, { referer: 'https://example.com/page' })).statusCode).toBe(200);
    expect((await master(token, { referer: 'https://tv.example.org/' })).statusCode).toBe(200);
    for (const headers of [{ referer: 'https://evil.test/' }, {}] as Record<string, string>[]) {
      const res = await master(token, headers);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'invalid_playback_token', reason: 'wrong_referrer' });
    }
    // Its embed page: checked against the embedding page, framed only there.
    const embedPath = new URL(playback.embed).pathname + new URL(playback.embed).search;
    const embed = await kino.request('GET', embedPath, { headers: { referer: 'https://example.com/' } });
    expect(embed.statusCode).toBe(200);
    expect(String(embed.headers['content-security-policy'])).toContain(
      "frame-ancestors 'self' example.com *.example.org",
    );
    expect(
      (await kino.request('GET', embedPath, { headers: { referer: 'https://evil.test/' } })).statusCode,
    ).toBe(403);
  });

  it('bind a token to an address or a network', async () => {
    const single = (await tokenFor({ ip: '203.0.113.7' })).token;
    expect((await master(single, {}, '203.0.113.7')).statusCode).toBe(200);
    expect((await master(single, {}, '203.0.113.8')).statusCode).toBe(403);
    const network = (await tokenFor({ ip: '203.0.113.0/24' })).token;
    expect((await master(network, {}, '203.0.113.200')).statusCode).toBe(200);
    expect((await master(network, {}, '198.51.100.1')).statusCode).toBe(403);
    const v6 = (await tokenFor({ ip: '2001:db8::/32' })).token;
    expect((await master(v6, {}, '2001:db8::9')).statusCode).toBe(200);
    for (const body of [
      { ip: '203.0.113.0/33' },
      { ip: 'localhost' },
      { referrers: ['https://x.test/'] },
      { referrers: [] },
    ]) {
      const res = await kino.request('POST', `/v1/media/${priv.id}/playback-tokens`, {
        headers: as(tenant.key),
        body,
      });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
  });

  it('keep outstanding tokens valid across a key rotation, and sign new ones with the new key', async () => {
    const before = (await tokenFor()).token;
    expect((await master(before)).statusCode).toBe(200);
    const rotated = await kino.request('POST', '/v1/signing-keys/rotate', { headers: as(OPERATOR_KEY) });
    expect(rotated.statusCode).toBe(201);
    const newKid = rotated.json<{ id: string }>().id;
    expect(newKid).not.toBe(kid(before));
    const after = (await tokenFor()).token;
    expect(kid(after)).toBe(newKid);
    expect((await master(before)).statusCode).toBe(200);
    expect((await master(after)).statusCode).toBe(200);
    // Another process (no keys in memory) verifies both from the database.
    const rows = await kino.database.db.selectFrom('signing_keys').select(['id', 'retired_at']).execute();
    expect(rows.find((r) => r.id === kid(before))?.retired_at).not.toBeNull();
    expect(rows.find((r) => r.id === newKid)?.retired_at).toBeNull();
    // Only the operator rotates.
    expect(
      (await kino.request('POST', '/v1/signing-keys/rotate', { headers: as(tenant.key) })).statusCode,
    ).toBe(403);
  });
});
