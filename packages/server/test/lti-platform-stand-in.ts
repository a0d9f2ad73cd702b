/**
 * A local LTI 1.3 platform, built from the 1EdTech specifications (LTI Core 1.3, Deep Linking 2.0,
 * client-side postMessage storage) with jose, standing in for Moodle or Canvas, which cannot be
 * reached from the test machine. It has its own RSA key and JWKS, a course page that frames the
 * tool's login initiation, an OIDC authorization endpoint that answers with an auto-posting
 * id_token form, and a deep_link_return_url that verifies Kino's JWT against Kino's JWKS.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from 'jose';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
export const ROLE = {
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
} as const;

export interface LaunchPlan {
  kind: 'resource' | 'deep';
  role: keyof typeof ROLE;
  /** The media a resource link names (custom kino_media_id). */
  mediaId?: string;
  /** The URL of a link placed through Deep Linking (its target). */
  targetLinkUri?: string;
  /** Offer client-side storage (lti_storage_target=_parent). */
  storage?: boolean;
}

export interface DeepLinkResult {
  ok: boolean;
  error?: string;
  payload?: JWTPayload;
}

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface LtiPlatformStandIn {
  url: string;
  issuer: string;
  clientId: string;
  deploymentId: string;
  authUrl: string;
  jwksUrl: string;
  /** Where Kino's Deep Linking answers arrive, and what the stand-in made of each. */
  deepLinkResults: DeepLinkResult[];
  /** The course page that launches Kino in an iframe. */
  coursePage(kinoBase: string, plan: LaunchPlan): string;
  /** An id_token as this platform (or a rogue key) would sign it. */
  idToken(input: {
    nonce: string;
    kinoBase: string;
    plan: LaunchPlan;
    overrides?: Record<string, unknown>;
    signer?: 'platform' | 'rogue';
  }): Promise<string>;
  close(): Promise<void>;
}

export async function startLtiPlatform(): Promise<LtiPlatformStandIn> {
  const platformKey: KeyPair = await generateKeyPair('RS256', { extractable: true });
  const rogueKey: KeyPair = await generateKeyPair('RS256', { extractable: true });
  const jwk = {
    ...(await exportJWK(platformKey.publicKey)),
    kid: 'platform-key-1',
    alg: 'RS256',
    use: 'sig',
  };
  const clientId = 'kino-tool-client';
  const deploymentId = 'deployment-1';
  const deepLinkResults: DeepLinkResult[] = [];
  let url = '';
  let kinoBase = '';

  const idToken: LtiPlatformStandIn['idToken'] = async ({
    nonce,
    kinoBase: base,
    plan,
    overrides = {},
    signer = 'platform',
  }) => {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      nonce,
      sub: plan.role === 'instructor' ? 'teacher-7' : 'student-42',
      name: plan.role === 'instructor' ? 'Tess Teacher' : 'Sam Student',
      [`${LTI}version`]: '1.3.0',
      [`${LTI}deployment_id`]: deploymentId,
      [`${LTI}roles`]: [ROLE[plan.role]],
      [`${LTI}context`]: { id: 'course-101', label: 'BIO101', title: 'Biology 101' },
      ...(plan.kind === 'resource'
        ? {
            [`${LTI}message_type`]: 'LtiResourceLinkRequest',
            [`${LTI}target_link_uri`]: plan.targetLinkUri ?? `${base}/lti/launch`,
            [`${LTI}resource_link`]: { id: 'link-1', title: 'Week 1 lecture' },
            ...(plan.mediaId && { [`${LTI}custom`]: { kino_media_id: plan.mediaId } }),
          }
        : {
            [`${LTI}message_type`]: 'LtiDeepLinkingRequest',
            [`${LTI}target_link_uri`]: `${base}/lti/launch`,
            [`${DL}deep_linking_settings`]: {
              deep_link_return_url: `${url}/deep-link-return`,
              accept_types: ['ltiResourceLink'],
              accept_presentation_document_targets: ['iframe', 'window'],
              data: 'opaque-platform-data',
            },
          }),
      ...overrides,
    };
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: signer === 'platform' ? jwk.kid : 'rogue-key' })
      .setIssuer(typeof overrides.iss === 'string' ? overrides.iss : url)
      .setAudience((overrides.aud as string | string[] | undefined) ?? clientId)
      .setIssuedAt(typeof overrides.iat === 'number' ? overrides.iat : now)
      .setExpirationTime(typeof overrides.exp === 'number' ? overrides.exp : now + 300);
    return jwt.sign(signer === 'platform' ? platformKey.privateKey : rogueKey.privateKey);
  };

  const server = http.createServer((req, res) => {
    const here = new URL(req.url ?? '/', url);
    const send = (status: number, type: string, body: string): undefined => {
      res.writeHead(status, { 'content-type': type.startsWith('text/') ? `${type}; charset=utf-8` : type });
      res.end(body);
      return undefined;
    };
    void (async () => {
      if (here.pathname === '/jwks') {
        send(200, 'application/json', JSON.stringify({ keys: [jwk] }));
        return;
      }
      if (here.pathname === '/course') {
        const plan = JSON.parse(here.searchParams.get('plan') ?? '{}') as LaunchPlan;
        kinoBase = here.searchParams.get('kino') ?? kinoBase;
        const login = new URL(`${kinoBase}/lti/login`);
        login.searchParams.set('iss', url);
        login.searchParams.set('login_hint', plan.role);
        login.searchParams.set('target_link_uri', plan.targetLinkUri ?? `${kinoBase}/lti/launch`);
        login.searchParams.set('lti_message_hint', Buffer.from(JSON.stringify(plan)).toString('base64url'));
        login.searchParams.set('client_id', clientId);
        login.searchParams.set('lti_deployment_id', deploymentId);
        if (plan.storage) login.searchParams.set('lti_storage_target', '_parent');
        send(200, 'text/html', coursePageHtml(login.toString()));
        return;
      }
      if (here.pathname === '/auth') {
        const p = here.searchParams;
        if (
          p.get('client_id') !== clientId ||
          p.get('response_type') !== 'id_token' ||
          p.get('scope') !== 'openid'
        ) {
          send(400, 'text/plain', 'bad authentication request');
          return;
        }
        const plan = JSON.parse(
          Buffer.from(p.get('lti_message_hint') ?? '', 'base64url').toString(),
        ) as LaunchPlan;
        const token = await idToken({ nonce: p.get('nonce') ?? '', kinoBase, plan });
        send(
          200,
          'text/html',
          autoPostHtml(p.get('redirect_uri') ?? '', { id_token: token, state: p.get('state') ?? '' }),
        );
        return;
      }
      if (here.pathname === '/deep-link-return' && req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const jwt = new URLSearchParams(Buffer.concat(chunks).toString()).get('JWT') ?? '';
        try {
          const keys = createRemoteJWKSet(new URL(`${kinoBase}/lti/jwks`));
          const { payload } = await jwtVerify(jwt, keys, {
            issuer: clientId,
            audience: url,
            algorithms: ['RS256'],
          });
          if (payload[`${LTI}message_type`] !== 'LtiDeepLinkingResponse')
            throw new Error('not a Deep Linking response');
          if (payload[`${LTI}deployment_id`] !== deploymentId) throw new Error('wrong deployment');
          if (payload[`${DL}data`] !== 'opaque-platform-data') throw new Error('data not echoed');
          const items = payload[`${DL}content_items`] as { type: string; title: string; url: string }[];
          if (items.length !== 1 || items[0]?.type !== 'ltiResourceLink')
            throw new Error('not one ltiResourceLink');
          deepLinkResults.push({ ok: true, payload });
          send(200, 'text/html', `<!doctype html><h1 id="placed">Placed: ${escape(items[0].title)}</h1>`);
          return;
        } catch (err) {
          deepLinkResults.push({ ok: false, error: String(err) });
          send(400, 'text/html', `<!doctype html><h1 id="refused">Refused: ${escape(String(err))}</h1>`);
          return;
        }
      }
      send(404, 'text/plain', 'not found');
    })().catch((err: unknown) => {
      send(500, 'text/plain', String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    issuer: url,
    clientId,
    deploymentId,
    authUrl: `${url}/auth`,
    jwksUrl: `${url}/jwks`,
    deepLinkResults,
    coursePage: (base, plan) => {
      kinoBase = base;
      return `${url}/course?kino=${encodeURIComponent(base)}&plan=${encodeURIComponent(JSON.stringify(plan))}`;
    },
    idToken,
    close: () =>
      new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function autoPostHtml(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
    .join('');
  return `<!doctype html><form method="post" action="${escape(action)}">${inputs}</form><script>document.forms[0].submit()</script>`;
}

/** The course page: Kino in an iframe, and the platform's side of LTI client-side storage. */
function coursePageHtml(loginUrl: string): string {
  return `<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Biology 101</title>
<style>body{font-family:sans-serif;margin:0}header{background:#f98012;color:#fff;padding:.75rem 1rem}iframe{width:100%;height:calc(100vh - 3.2rem);border:0}</style></head>
<body><header>Biology 101 · Week 1</header><iframe id="tool" name="tool" allow="autoplay; fullscreen" src="${escape(loginUrl)}"></iframe>
<script>
  window.ltiStorage = {}; window.ltiMessages = [];
  window.addEventListener('message', function (e) {
    var m = e.data || {}; window.ltiMessages.push(m.subject);
    if (m.subject === 'lti.put_data') { window.ltiStorage[e.origin + ':' + m.key] = m.value;
      e.source.postMessage({ subject: 'lti.put_data.response', message_id: m.message_id, key: m.key, value: m.value }, e.origin); }
    if (m.subject === 'lti.get_data') {
      e.source.postMessage({ subject: 'lti.get_data.response', message_id: m.message_id, key: m.key, value: window.ltiStorage[e.origin + ':' + m.key] }, e.origin); }
  });
</script></body></html>`;
}
