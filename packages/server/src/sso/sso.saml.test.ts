import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/databases.ts';
import { makeSamlIdp, type SamlIdpStandIn } from '../../test/saml-idp-stand-in.ts';
import { startTestKino, type TestKino } from '../../test/test-kino.ts';

const BASE = 'http://kino.test';
const ACS = `${BASE}/auth/saml/acs`;
const ENTITY = `${BASE}/auth/saml/metadata`;

describe.each(DIALECTS)('SAML sign-in on %s', (dialect) => {
  let kino: TestKino;
  let idp: SamlIdpStandIn;
  let tenant: { id: string; key: string };

  beforeAll(async () => {
    kino = await startTestKino(dialect, { env: { KINO_PUBLIC_URL: BASE, KINO_ROLES: 'api' } });
    idp = makeSamlIdp();
    tenant = await kino.tenant('school');
    const put = await kino.app.inject({
      method: 'PUT',
      url: '/v1/tenant/sso',
      headers: { authorization: `Bearer ${tenant.key}` },
      payload: {
        saml: {
          entryPoint: idp.entryPoint,
          idpCertPem: idp.certPem,
          emailDomains: ['school.test'],
          defaultRole: 'editor',
        },
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json<{ urls: { samlAcsUrl: string } }>().urls.samlAcsUrl).toBe(ACS);
  });
  afterAll(async () => {
    await kino.close();
  });

  /** Starts a sign-in as the console does: the IdP URL (with the AuthnRequest), its request id, state and cookie. */
  async function start(email = 'dana@school.test') {
    const res = await kino.app.inject({ method: 'POST', url: '/v1/auth/sso', payload: { email } });
    expect(res.statusCode, res.body).toBe(200);
    const url = new URL(res.json<{ url: string }>().url);
    expect(url.origin + url.pathname).toBe(idp.entryPoint);
    const request = inflateRawSync(
      Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64'),
    ).toString();
    const requestId = /ID="([^"]+)"/.exec(request)?.[1] ?? '';
    const cookie = String(res.headers['set-cookie']).split(';')[0] ?? '';
    return { requestId, relayState: url.searchParams.get('RelayState') ?? '', cookie };
  }

  const post = (samlResponse: string, relayState: string, cookie: string) =>
    kino.app.inject({
      method: 'POST',
      url: '/auth/saml/acs',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: relayState }).toString(),
    });
  const codeOf = (html: string) => /data-code="([a-z_]+)"/.exec(html)?.[1];

  it('a signed response signs the person in (account created by email domain), once', async () => {
    const s = await start();
    const response = idp.response({
      email: 'dana@school.test',
      inResponseTo: s.requestId,
      audience: ENTITY,
      acsUrl: ACS,
    });
    const res = await post(response, s.relayState, s.cookie);
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('/');
    const session = String(res.headers['set-cookie']).match(/kino_session=([^;]+)/)?.[1] ?? '';
    const me = await kino.app.inject({
      method: 'GET',
      url: '/v1/auth/session',
      headers: { cookie: `kino_session=${session}` },
    });
    expect(me.json<{ user: { email: string; role: string; tenantId: string } }>().user).toMatchObject({
      email: 'dana@school.test',
      role: 'editor',
      tenantId: tenant.id,
    });
    const replay = await post(response, s.relayState, s.cookie);
    expect(replay.statusCode).toBe(409);
    expect(codeOf(replay.body)).toBe('sso_replayed');
  });

  it('refuses an assertion changed after signing', async () => {
    const s = await start();
    const xml = idp.responseXml({
      email: 'dana@school.test',
      inResponseTo: s.requestId,
      audience: ENTITY,
      acsUrl: ACS,
    });
    const tampered = xml.replaceAll('dana@school.test', 'eve@school.test');
    const res = await post(Buffer.from(tampered).toString('base64'), s.relayState, s.cookie);
    expect(res.statusCode).toBe(401);
    expect(codeOf(res.body)).toBe('sso_failed');
  });

  it('refuses an unsigned assertion', async () => {
    const s = await start();
    const res = await post(
      idp.response({
        email: 'dana@school.test',
        inResponseTo: s.requestId,
        audience: ENTITY,
        acsUrl: ACS,
        sign: false,
      }),
      s.relayState,
      s.cookie,
    );
    expect(codeOf(res.body)).toBe('sso_failed');
  });

  it('refuses a wrapped assertion (a signed one moved aside, a forged one in its place)', async () => {
    const s = await start();
    const signed = idp.responseXml({
      email: 'dana@school.test',
      inResponseTo: s.requestId,
      audience: ENTITY,
      acsUrl: ACS,
    });
    const original = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signed)?.[0] ?? '';
    const forged = original
      .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '')
      .replaceAll('dana@school.test', 'eve@school.test')
      .replace(/ID="[^"]+"/, 'ID="_forged"');
    const wrapped = signed.replace(original, `<samlp:Extensions>${original}</samlp:Extensions>${forged}`);
    const res = await post(Buffer.from(wrapped).toString('base64'), s.relayState, s.cookie);
    expect(codeOf(res.body)).toBe('sso_failed');
  });

  it('refuses a response for another audience, to another request, or from another browser', async () => {
    const a = await start();
    const otherAudience = await post(
      idp.response({
        email: 'dana@school.test',
        inResponseTo: a.requestId,
        audience: 'https://other.example/sp',
        acsUrl: ACS,
      }),
      a.relayState,
      a.cookie,
    );
    expect(codeOf(otherAudience.body)).toBe('sso_failed');

    const b = await start();
    const otherRequest = await post(
      idp.response({
        email: 'dana@school.test',
        inResponseTo: '_not-this-request',
        audience: ENTITY,
        acsUrl: ACS,
      }),
      b.relayState,
      b.cookie,
    );
    expect(codeOf(otherRequest.body)).toBe('sso_failed');

    const c = await start();
    const otherBrowser = await post(
      idp.response({ email: 'dana@school.test', inResponseTo: c.requestId, audience: ENTITY, acsUrl: ACS }),
      c.relayState,
      'kino_sso=someone-else',
    );
    expect(codeOf(otherBrowser.body)).toBe('sso_failed');
  });

  it('refuses an email outside the domains, and answers sso_not_configured for an unknown domain', async () => {
    const s = await start();
    const res = await post(
      idp.response({
        email: 'mallory@elsewhere.test',
        inResponseTo: s.requestId,
        audience: ENTITY,
        acsUrl: ACS,
      }),
      s.relayState,
      s.cookie,
    );
    expect(codeOf(res.body)).toBe('sso_failed');
    const unknown = await kino.app.inject({
      method: 'POST',
      url: '/v1/auth/sso',
      payload: { email: 'x@nowhere.test' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ code: string }>().code).toBe('sso_not_configured');
  });

  it('never returns secrets, and keeps one domain to one organisation', async () => {
    const put = await kino.app.inject({
      method: 'PUT',
      url: '/v1/tenant/sso',
      headers: { authorization: `Bearer ${tenant.key}` },
      payload: {
        oidc: {
          issuer: 'https://login.school.test',
          clientId: 'kino',
          clientSecret: 'top-secret-value',
          emailDomains: ['staff.school.test'],
        },
        saml: { entryPoint: idp.entryPoint, idpCertPem: idp.certPem, emailDomains: ['school.test'] },
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.body).not.toContain('top-secret-value');
    const get = await kino.call(tenant.key, 'GET', '/v1/tenant/sso');
    expect(get.body).not.toContain('top-secret-value');
    expect(get.json<{ oidc: { clientSecretSet: boolean } }>().oidc.clientSecretSet).toBe(true);
    const other = await kino.tenant('rival');
    const clash = await kino.app.inject({
      method: 'PUT',
      url: '/v1/tenant/sso',
      headers: { authorization: `Bearer ${other.key}` },
      payload: {
        saml: { entryPoint: idp.entryPoint, idpCertPem: idp.certPem, emailDomains: ['school.test'] },
      },
    });
    expect(clash.statusCode).toBe(409);
    const viewer = await kino.key(tenant.id, 'read');
    expect((await kino.call(viewer, 'GET', '/v1/tenant/sso')).statusCode).toBe(403);
  });
});
