import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishMedia, startPlayKino, type PlayKino, type PublishedMedia } from '../../test/play-fixture.ts';
import { PublicKeyError, readPublicKey } from './tenant-jwt.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pemOf = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT as a tenant's own code would make it (any JOSE library gives the same bytes). */
function jwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: KeyObject | null,
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  if (key === null) return `${input}.`;
  const signature =
    header.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

describe('readPublicKey', () => {
  it('takes RSA (2048 bits or more) for RS256 and P-256 for ES256, and refuses the rest', () => {
    expect(readPublicKey(pemOf(rsa.publicKey)).algorithm).toBe('RS256');
    expect(readPublicKey(pemOf(ec.publicKey)).algorithm).toBe('ES256');
    const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => readPublicKey(privatePem)).toThrow(PublicKeyError);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => readPublicKey(pemOf(small.publicKey))).toThrow(PublicKeyError);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(() => readPublicKey(pemOf(p384.publicKey))).toThrow(PublicKeyError);
    expect(() => readPublicKey('not a key')).toThrow(PublicKeyError);
  });
});

describe('playback tokens a tenant signs itself', () => {
  let kino: PlayKino;
  let tenant: { id: string; key: string };
  let other: { id: string; key: string };
  let media: PublishedMedia;
  let otherMedia: PublishedMedia;
  const kids: Record<string, string> = {};
  const exp = () => Math.floor(Date.now() / 1000) + 600;

  const register = async (owner: { key: string }, name: string, key: KeyObject) => {
    const res = await kino.request('POST', '/v1/signing-keys/public', {
      headers: { authorization: `Bearer ${owner.key}` },
      body: { name, publicKeyPem: pemOf(key) },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ kid: string; algorithm: string }>();
  };
  const play = (
    token: string,
    mediaId = media.id,
    file = 'master.m3u8',
    headers: Record<string, string> = {},
  ) => kino.request('GET', `/play/t/${token}/${mediaId}/${file}`, { headers });
  const refusal = async (token: string, mediaId?: string) => {
    const res = await play(token, mediaId);
    expect(res.statusCode, res.body).toBe(403);
    return res.json<{ code: string; reason: string }>();
  };

  beforeAll(async () => {
    kino = await startPlayKino();
    tenant = await kino.tenant('signer');
    other = await kino.tenant('other');
    media = await publishMedia(kino, tenant, { visibility: 'private' });
    otherMedia = await publishMedia(kino, tenant, { visibility: 'private', version: 'job_other-1' });
    const rs = await register(tenant, 'rsa', rsa.publicKey);
    const es = await register(tenant, 'ec', ec.publicKey);
    expect([rs.algorithm, es.algorithm]).toEqual(['RS256', 'ES256']);
    kids.rs = rs.kid;
    kids.es = es.kid;
    kids.other = (await register(other, 'theirs', rsa.publicKey)).kid;
  });
  afterAll(() => kino.close());

  it('plays with a valid RS256 or ES256 token, in the path like Kino’s own, down to the segments', async () => {
    for (const [alg, kid, key] of [
      ['RS256', kids.rs, rsa.privateKey],
      ['ES256', kids.es, ec.privateKey],
    ] as const) {
      const token = jwt({ alg, kid, typ: 'JWT' }, { sub: media.id, exp: exp() }, key);
      const master = await play(token);
      expect(master.statusCode, `${alg}: ${master.body}`).toBe(200);
      const variant = master.body.split('\n').find((l) => l.endsWith('.m3u8')) ?? '';
      const child = await kino.request(
        'GET',
        new URL(variant, `http://x/play/t/${token}/${media.id}/`).pathname,
      );
      expect(child.statusCode).toBe(200);
    }
    // Without a token the private media stays closed.
    expect((await kino.request('GET', `/play/${media.id}/master.m3u8`)).statusCode).toBe(401);
  });

  it('refuses an expired token, a token for another media, or one not valid yet', async () => {
    const header = { alg: 'RS256', kid: kids.rs };
    const past = Math.floor(Date.now() / 1000) - 1;
    expect(await refusal(jwt(header, { sub: media.id, exp: past }, rsa.privateKey))).toMatchObject({
      code: 'invalid_playback_token',
      reason: 'expired',
    });
    const forOther = jwt(header, { sub: otherMedia.id, exp: exp() }, rsa.privateKey);
    expect(await refusal(forOther)).toMatchObject({ reason: 'wrong_media' });
    const later = jwt(header, { sub: media.id, exp: exp(), nbf: exp() }, rsa.privateKey);
    expect(await refusal(later)).toMatchObject({ reason: 'not_yet_valid' });
    const bound = jwt(header, { sub: media.id, exp: exp(), ip: '203.0.113.7' }, rsa.privateKey);
    expect(await refusal(bound)).toMatchObject({ reason: 'wrong_ip' });
  });

  it('refuses a token that lives longer than 7 days, like Kino’s own tokens', async () => {
    const header = { alg: 'RS256', kid: kids.rs };
    const now = Math.floor(Date.now() / 1000);
    const week = 7 * 24 * 3600;
    const refused = async (claims: Record<string, unknown>) => {
      const body = await refusal(jwt(header, { sub: media.id, ...claims }, rsa.privateKey));
      expect(body, JSON.stringify(claims)).toMatchObject({
        code: 'invalid_playback_token',
        reason: 'lifetime_too_long',
      });
    };
    // A century away; more than 7 days ahead; 7 days and a second from its nbf or iat.
    await refused({ exp: now + 100 * 365 * 24 * 3600 });
    await refused({ exp: now + week + 60 });
    await refused({ exp: now + 600, nbf: now + 600 - week - 1 });
    await refused({ exp: now + 600, iat: now + 600 - week - 1 });
    await refused({ exp: now + 600, iat: now, nbf: now + 600 - week - 1 });
    // 7 days, counted from nbf, else iat, else now: plays.
    for (const claims of [
      { exp: now + week - 60 },
      { exp: now + 600, nbf: now + 600 - week },
      { exp: now + 600, iat: now + 600 - week },
      { exp: now + week - 60, iat: now - 10, nbf: now - 5 },
    ]) {
      const res = await play(jwt(header, { sub: media.id, ...claims }, rsa.privateKey));
      expect(res.statusCode, `${JSON.stringify(claims)}: ${res.body}`).toBe(200);
    }
  });

  it('refuses a token signed with another tenant’s key, even for the same key pair', async () => {
    const token = jwt({ alg: 'RS256', kid: kids.other }, { sub: media.id, exp: exp() }, rsa.privateKey);
    expect(await refusal(token)).toMatchObject({ reason: 'unknown_key' });
  });

  it('refuses alg none, HS256 keyed with the public key, and an algorithm the key is not for', async () => {
    const claims = { sub: media.id, exp: exp() };
    const none = jwt({ alg: 'none', kid: kids.rs }, claims, null);
    expect((await refusal(none)).reason).toMatch(/malformed|unsupported_algorithm/);
    const noneSigned = `${b64({ alg: 'none', kid: kids.rs })}.${b64(claims)}.c2ln`;
    expect(await refusal(noneSigned)).toMatchObject({ reason: 'unsupported_algorithm' });

    const input = `${b64({ alg: 'HS256', kid: kids.rs })}.${b64(claims)}`;
    const hmac = createHmac('sha256', pemOf(rsa.publicKey)).update(input).digest('base64url');
    expect(await refusal(`${input}.${hmac}`)).toMatchObject({ reason: 'unsupported_algorithm' });

    const esOnRsa = jwt({ alg: 'ES256', kid: kids.rs }, claims, ec.privateKey);
    expect(await refusal(esOnRsa)).toMatchObject({ reason: 'unsupported_algorithm' });
    const tampered = jwt({ alg: 'RS256', kid: kids.rs }, claims, rsa.privateKey).replace(/\.[^.]+$/, (s) =>
      s.slice(0, -2).concat(s.endsWith('A') ? 'BA' : 'AA'),
    );
    expect((await refusal(tampered)).reason).toMatch(/bad_signature|malformed/);
  });

  it('stops honouring a revoked key', async () => {
    const spare = await register(tenant, 'spare', rsa.publicKey);
    const revoked = await kino.app.inject({
      method: 'DELETE',
      url: `/v1/signing-keys/public/${spare.kid}`,
      headers: { authorization: `Bearer ${tenant.key}` },
    });
    expect(revoked.statusCode).toBe(204);
    const token = jwt({ alg: 'RS256', kid: spare.kid }, { sub: media.id, exp: exp() }, rsa.privateKey);
    expect(await refusal(token)).toMatchObject({ reason: 'unknown_key' });
    const listed = await kino.request('GET', '/v1/signing-keys/public', {
      headers: { authorization: `Bearer ${tenant.key}` },
    });
    expect(
      listed
        .json<{ items: { kid: string }[] }>()
        .items.map((k) => k.kid)
        .sort(),
    ).toEqual([kids.rs, kids.es].sort());
  });
});
