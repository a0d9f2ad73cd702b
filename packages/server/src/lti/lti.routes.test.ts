import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { DIALECTS } from '../../test/databases.ts';
import {
  startLtiPlatform,
  type LaunchPlan,
  type LtiPlatformStandIn,
} from '../../test/lti-platform-stand-in.ts';
import { OPERATOR_KEY, startTestKino, type TestKino } from '../../test/test-kino.ts';

const BASE = 'http://kino.test';

describe.each(DIALECTS)('LTI 1.3 tool on %s', (dialect) => {
  let kino: TestKino;
  let platform: LtiPlatformStandIn;
  let tenant: { id: string; key: string };
  let mediaId: string;

  beforeAll(async () => {
    kino = await startTestKino(dialect, {
      env: { KINO_IMPORT_ALLOW_PRIVATE: '1', KINO_PUBLIC_URL: BASE, KINO_ROLES: 'api' },
    });
    platform = await startLtiPlatform();
    tenant = await kino.tenant('school');
    const media = await kino.call(tenant.key, 'POST', '/v1/media', {
      title: 'Cell division',
      visibility: 'private',
    });
    mediaId = media.json<{ id: string }>().id;
    const res = await kino.call(tenant.key, 'POST', '/v1/lti/platforms', {
      issuer: platform.issuer,
      clientId: platform.clientId,
      deploymentIds: [platform.deploymentId],
      authLoginUrl: platform.authUrl,
      jwksUrl: platform.jwksUrl,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json<{ tool: unknown }>().tool).toEqual({
      loginUrl: `${BASE}/lti/login`,
      launchUrl: `${BASE}/lti/launch`,
      jwksUrl: `${BASE}/lti/jwks`,
      deepLinkingUrl: `${BASE}/lti/launch`,
    });
  });
  afterAll(async () => {
    await kino.close();
    await platform.close();
  });

  /** Login initiation as the platform sends it; returns the state and nonce Kino put in the redirect. */
  async function login(extra: Record<string, string> = {}) {
    const query = new URLSearchParams({
      iss: platform.issuer,
      login_hint: 'someone',
      target_link_uri: `${BASE}/lti/launch`,
      client_id: platform.clientId,
      ...extra,
    });
    const res = await kino.app.inject({ method: 'GET', url: `/lti/login?${query.toString()}` });
    expect(res.statusCode, res.body).toBe(302);
    const auth = new URL(res.headers.location as string);
    expect(auth.origin + auth.pathname).toBe(platform.authUrl);
    expect(auth.searchParams.get('redirect_uri')).toBe(`${BASE}/lti/launch`);
    expect(auth.searchParams.get('response_mode')).toBe('form_post');
    return { state: auth.searchParams.get('state') ?? '', nonce: auth.searchParams.get('nonce') ?? '' };
  }

  const launch = (fields: Record<string, string>) =>
    kino.app.inject({
      method: 'POST',
      url: '/lti/launch',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });
  const codeOf = (html: string) => /data-code="([a-z_]+)"/.exec(html)?.[1];

  async function launchWith(
    plan: LaunchPlan,
    opts: Parameters<LtiPlatformStandIn['idToken']>[0]['overrides'] = {},
    signer: 'platform' | 'rogue' = 'platform',
  ) {
    const { state, nonce } = await login();
    const idToken = await platform.idToken({ nonce, kinoBase: BASE, plan, overrides: opts, signer });
    return { res: await launch({ id_token: idToken, state }), state, idToken };
  }

  it('a learner launch of a private media opens its player with a playback token, and records the course', async () => {
    const { res, state, idToken } = await launchWith({ kind: 'resource', role: 'learner', mediaId });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain('frame-ancestors *');
    const embed = /data-next="([^"]+)"/.exec(res.body)?.[1]?.replaceAll('&#38;', '&') ?? '';
    expect(embed).toMatch(new RegExp(`^${BASE}/embed/${mediaId}\\?token=`));
    const status = await kino.app.inject({
      method: 'GET',
      url: `${new URL(embed).pathname}/status${new URL(embed).search}`,
    });
    expect(status.json<{ state: string }>().state).not.toBe('private');

    const replay = await launch({ id_token: idToken, state });
    expect(replay.statusCode).toBe(409);
    expect(codeOf(replay.body)).toBe('lti_replayed');

    const launches = await kino.call(tenant.key, 'GET', '/v1/lti/launches?contextId=course-101');
    expect(launches.json<{ data: unknown[] }>().data).toContainEqual(
      expect.objectContaining({
        role: 'learner',
        contextTitle: 'Biology 101',
        mediaId,
        resourceLinkId: 'link-1',
      }),
    );
  });

  it.each([
    ['a token signed by another key', {}, 'rogue', 401, 'lti_invalid_id_token'],
    ['a token for another client id', { aud: 'someone-else' }, 'platform', 401, 'lti_wrong_audience'],
    [
      'several audiences without azp',
      { aud: ['kino-tool-client', 'other'] },
      'platform',
      401,
      'lti_wrong_audience',
    ],
    [
      'an expired token',
      { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 4000 },
      'platform',
      401,
      'lti_invalid_id_token',
    ],
    ['another issuer', { iss: 'https://evil.example' }, 'platform', 401, 'lti_invalid_id_token'],
    [
      'an unknown deployment',
      { 'https://purl.imsglobal.org/spec/lti/claim/deployment_id': 'deployment-9' },
      'platform',
      403,
      'lti_unknown_deployment',
    ],
    ['another nonce', { nonce: 'not-the-one-kino-sent' }, 'platform', 401, 'lti_invalid_id_token'],
  ] as const)('refuses %s', async (_what, overrides, signer, status, code) => {
    const { res } = await launchWith({ kind: 'resource', role: 'learner', mediaId }, overrides, signer);
    expect(res.statusCode, res.body).toBe(status);
    expect(codeOf(res.body)).toBe(code);
  });

  it('refuses an unknown platform, an unknown state and a learner asking to place media', async () => {
    const unknown = await kino.app.inject({
      method: 'GET',
      url: `/lti/login?${new URLSearchParams({ iss: 'https://unknown.example', login_hint: 'x', target_link_uri: `${BASE}/lti/launch` }).toString()}`,
    });
    expect(unknown.statusCode).toBe(400);
    expect(codeOf(unknown.body)).toBe('lti_unknown_platform');

    const token = await platform.idToken({
      nonce: 'n',
      kinoBase: BASE,
      plan: { kind: 'resource', role: 'learner', mediaId },
    });
    const noState = await launch({ id_token: token, state: 'made-up' });
    expect(codeOf(noState.body)).toBe('lti_invalid_state');

    const { res } = await launchWith({ kind: 'deep', role: 'learner' });
    expect(res.statusCode).toBe(403);
    expect(codeOf(res.body)).toBe('lti_role_forbidden');
  });

  it("refuses a launch of another tenant's media", async () => {
    const other = await kino.tenant('other school');
    const theirs = await kino.call(other.key, 'POST', '/v1/media', { title: 'Theirs' });
    const { res } = await launchWith({
      kind: 'resource',
      role: 'learner',
      mediaId: theirs.json<{ id: string }>().id,
    });
    expect(res.statusCode).toBe(404);
    expect(codeOf(res.body)).toBe('not_found');
  });

  it('Deep Linking: the picker lists the media and answers the platform with a JWT it verifies against /lti/jwks', async () => {
    const { res } = await launchWith({ kind: 'deep', role: 'instructor' });
    expect(res.statusCode, res.body).toBe(200);
    const picker = new URL((/data-next="([^"]+)"/.exec(res.body)?.[1] ?? '').replaceAll('&#38;', '&'));
    const page = await kino.app.inject({ method: 'GET', url: picker.pathname + picker.search });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Cell division');
    const secret = picker.searchParams.get('s') ?? '';
    const choose = () =>
      kino.app.inject({
        method: 'POST',
        url: picker.pathname,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ s: secret, mediaId }).toString(),
      });
    const answer = await choose();
    expect(answer.statusCode, answer.body).toBe(200);
    const returnUrl = /action="([^"]+)"/.exec(answer.body)?.[1] ?? '';
    expect(returnUrl).toBe(`${platform.url}/deep-link-return`);
    const jwt = /name="JWT" value="([^"]+)"/.exec(answer.body)?.[1] ?? '';
    const jwks = await kino.app.inject({ method: 'GET', url: '/lti/jwks' });
    expect(jwks.json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid)).toContain(
      decodeProtectedHeader(jwt).kid,
    );
    expect(decodeJwt(jwt)['https://purl.imsglobal.org/spec/lti-dl/claim/content_items']).toEqual([
      expect.objectContaining({
        type: 'ltiResourceLink',
        title: 'Cell division',
        custom: { kino_media_id: mediaId },
      }),
    ]);

    const again = await choose();
    expect(again.statusCode).toBe(409);
    expect(codeOf(again.body)).toBe('lti_deep_link_used');
  });

  it('rotates its LTI key: the new one signs, the old one stays published', async () => {
    const before = (await kino.app.inject({ method: 'GET', url: '/lti/jwks' })).json<{
      keys: { kid: string }[];
    }>().keys;
    const rotated = await kino.call(OPERATOR_KEY, 'POST', '/v1/lti/keys/rotate');
    expect(rotated.statusCode, rotated.body).toBe(200);
    const after = (await kino.app.inject({ method: 'GET', url: '/lti/jwks' })).json<{
      keys: { kid: string }[];
    }>().keys;
    expect(after.map((k) => k.kid)).toEqual(
      expect.arrayContaining([...before.map((k) => k.kid), rotated.json<{ id: string }>().id]),
    );
    const denied = await kino.call(tenant.key, 'POST', '/v1/lti/keys/rotate');
    expect(denied.statusCode).toBe(403);
  });

  it('takes a login initiation posted as a form, and a deployment added by PATCH', async () => {
    const list = await kino.call(tenant.key, 'GET', '/v1/lti/platforms');
    const id = list.json<{ data: { id: string }[] }>().data[0]?.id ?? '';
    const patched = await kino.call(tenant.key, 'PATCH', `/v1/lti/platforms/${id}`, {
      deploymentIds: [platform.deploymentId, 'deployment-2'],
    });
    expect(patched.json<{ deploymentIds: string[] }>().deploymentIds).toEqual([
      platform.deploymentId,
      'deployment-2',
    ]);
    const res = await kino.app.inject({
      method: 'POST',
      url: '/lti/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        iss: platform.issuer,
        login_hint: 'someone',
        target_link_uri: `${BASE}/lti/launch`,
        lti_deployment_id: 'deployment-2',
      }).toString(),
    });
    expect(res.statusCode, res.body).toBe(302);
    const { state, nonce } = Object.fromEntries(new URL(res.headers.location as string).searchParams);
    const token = await platform.idToken({
      nonce: nonce ?? '',
      kinoBase: BASE,
      plan: { kind: 'resource', role: 'learner', mediaId },
      overrides: { 'https://purl.imsglobal.org/spec/lti/claim/deployment_id': 'deployment-2' },
    });
    expect((await launch({ id_token: token, state: state ?? '' })).statusCode).toBe(200);
  });

  it('a deleted tenant takes its registrations and launches with it', async () => {
    const gone = await kino.tenant('closing school');
    const created = await kino.call(gone.key, 'POST', '/v1/lti/platforms', {
      issuer: 'https://closing.example',
      clientId: 'c',
      deploymentIds: ['1'],
      authLoginUrl: 'https://closing.example/auth',
      jwksUrl: 'https://closing.example/jwks',
    });
    expect(created.statusCode).toBe(201);
    const deleted = await kino.call(OPERATOR_KEY, 'DELETE', `/v1/tenants/${gone.id}`);
    expect(deleted.statusCode, deleted.body).toBeLessThan(300);
    expect(await kino.repos.ltiPlatforms.listByIssuer('https://closing.example')).toEqual([]);
  });

  it('keeps registrations per tenant: another tenant cannot see, change or reuse them', async () => {
    const other = await kino.tenant('third school');
    const list = await kino.call(tenant.key, 'GET', '/v1/lti/platforms');
    const id = list.json<{ data: { id: string }[] }>().data[0]?.id ?? '';
    expect((await kino.call(other.key, 'GET', `/v1/lti/platforms/${id}`)).statusCode).toBe(404);
    expect((await kino.call(other.key, 'DELETE', `/v1/lti/platforms/${id}`)).statusCode).toBe(404);
    const dup = await kino.call(other.key, 'POST', '/v1/lti/platforms', {
      issuer: platform.issuer,
      clientId: platform.clientId,
      deploymentIds: ['d'],
      authLoginUrl: platform.authUrl,
      jwksUrl: platform.jwksUrl,
    });
    expect(dup.statusCode).toBe(409);
    const read = await kino.key(tenant.id, 'read');
    expect((await kino.call(read, 'GET', '/v1/lti/platforms')).statusCode).toBe(403);
  });
});
