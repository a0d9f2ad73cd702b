import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tenantOf } from '../http/access.ts';
import { baseUrlOf } from '../http/base-url.ts';
import { withNotFound } from '../http/common-schemas.ts';
import { ApiError, problemSchema } from '../http/problem.ts';
import type { App } from '../http/types.ts';
import { TokenBuckets } from '../rate-limits/token-buckets.ts';
import { acceptFormPosts, field, sendRefusal } from '../lti/lti-form.ts';
import { setSessionCookie } from '../users/session-cookie.ts';
import type { SessionsService } from '../users/sessions.service.ts';
import type { UserRow } from '../db/schema.ts';
import { clearSsoCookie, setSsoCookie, ssoStateOf } from './sso-cookie.ts';
import { ssoInputSchema, type OidcSettings } from './sso-settings.ts';
import { ssoUrls, type SsoService } from './sso.service.ts';

const ssoViewSchema = z
  .object({
    oidc: z
      .object({
        issuer: z.string(),
        clientId: z.string(),
        clientSecretSet: z.boolean(),
        emailDomains: z.array(z.string()),
        defaultRole: z.string(),
        roleClaim: z.string().nullable(),
      })
      .nullable(),
    saml: z
      .object({
        entryPoint: z.string(),
        audience: z.string().nullable(),
        emailDomains: z.array(z.string()),
        defaultRole: z.string(),
      })
      .nullable(),
    urls: z
      .object({ oidcRedirectUri: z.string(), samlAcsUrl: z.string(), samlEntityId: z.string() })
      .describe('What the identity provider needs to know of Kino'),
  })
  .meta({ id: 'TenantSso' });

/** Console single sign-on: the tenant's settings (secrets never returned), the start, and the two callbacks. */
export function ssoHttpRoutes(deps: {
  sso: SsoService;
  sessions: SessionsService;
  publicUrl: string | undefined;
}) {
  const https = (request: FastifyRequest) =>
    deps.publicUrl !== undefined ? deps.publicUrl.startsWith('https:') : request.protocol === 'https';
  const urlsOf = (request: FastifyRequest) => ssoUrls(baseUrlOf(request, deps.publicUrl));

  const view = async (request: FastifyRequest) => {
    const { oidc, saml } = await deps.sso.settings(tenantOf(request));
    return {
      oidc: oidc && {
        issuer: oidc.issuer,
        clientId: oidc.clientId,
        clientSecretSet: oidc.clientSecret.length > 0,
        emailDomains: oidc.emailDomains,
        defaultRole: oidc.defaultRole,
        roleClaim: oidc.roleClaim ?? null,
      },
      saml: saml && {
        entryPoint: saml.entryPoint,
        audience: saml.audience ?? null,
        emailDomains: saml.emailDomains,
        defaultRole: saml.defaultRole,
      },
      urls: urlsOf(request),
    };
  };

  const signIn = async (request: FastifyRequest, reply: FastifyReply, user: UserRow) => {
    const started = await deps.sessions.start(user);
    clearSsoCookie(reply);
    setSessionCookie(request, reply, started.token, deps.publicUrl);
    return reply.redirect('/', 303);
  };

  return async (app: App) => {
    acceptFormPosts(app, 1024 * 1024);
    // Each start stores a request: anyone may call it, so each address gets a bounded share.
    const startsPerAddress = new TokenBuckets(300);
    const tags = ['sso'];
    app.get(
      '/v1/tenant/sso',
      {
        config: { access: 'keys:manage' },
        schema: {
          tags,
          summary: "The tenant's single sign-on settings (without secrets)",
          response: { 200: ssoViewSchema, ...withNotFound },
        },
      },
      view,
    );
    app.put(
      '/v1/tenant/sso',
      {
        config: { access: 'keys:manage' },
        schema: {
          tags,
          summary:
            'Set the single sign-on of the console (OpenID Connect and/or SAML); null or absent turns one off',
          body: ssoInputSchema,
          response: { 200: ssoViewSchema, 409: problemSchema, ...withNotFound },
        },
      },
      async (request) => {
        const tenantId = tenantOf(request);
        const current = await deps.sso.settings(tenantId);
        const { oidc, saml } = request.body;
        let nextOidc: OidcSettings | null = null;
        if (oidc) {
          const keep =
            current.oidc && current.oidc.issuer === oidc.issuer && current.oidc.clientId === oidc.clientId;
          const clientSecret = oidc.clientSecret ?? (keep ? current.oidc?.clientSecret : undefined);
          if (!clientSecret)
            throw new ApiError(
              'invalid_request',
              'oidc.clientSecret is required for a new provider or client id',
            );
          nextOidc = { ...oidc, clientSecret };
        }
        await deps.sso.put(tenantId, { oidc: nextOidc, saml: saml ?? null });
        return view(request);
      },
    );
    app.post(
      '/v1/auth/sso',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary:
            'Start single sign-on for an email: the provider URL to open (a cookie binds it to this browser)',
          security: [],
          body: z.strictObject({ email: z.string().trim().min(3).max(320) }),
          response: {
            200: z.object({ url: z.string(), protocol: z.enum(['oidc', 'saml']) }),
            400: problemSchema,
            404: problemSchema,
            429: problemSchema,
          },
        },
      },
      async (request, reply) => {
        const verdict = startsPerAddress.take(request.ip);
        if (!verdict.ok) {
          reply.header('retry-after', String(verdict.retryAfterSeconds));
          throw new ApiError(
            'rate_limited',
            `too many sign-ins from this address; retry in ${verdict.retryAfterSeconds} s`,
          );
        }
        const started = await deps.sso.start(request.body.email, urlsOf(request));
        setSsoCookie(reply, started.state, { https: https(request), protocol: started.protocol });
        return { url: started.url, protocol: started.protocol };
      },
    );
    app.get(
      '/auth/oidc/callback',
      { config: { access: 'public' }, schema: { hide: true } },
      async (request, reply) => {
        try {
          const callback = new URL(request.url, urlsOf(request).oidcRedirectUri);
          const user = await deps.sso.finishOidc(callback, ssoStateOf(request));
          return await signIn(request, reply, user);
        } catch (err) {
          return sendRefusal(request, reply, err, 'OpenID Connect sign-in');
        }
      },
    );
    app.post(
      '/auth/saml/acs',
      { config: { access: 'public' }, schema: { hide: true } },
      async (request, reply) => {
        try {
          const samlResponse = field(request.body, 'SAMLResponse', 1024 * 1024);
          const relayState = field(request.body, 'RelayState', 200);
          if (!samlResponse || !relayState)
            throw new ApiError('sso_failed', 'the post has no SAMLResponse or RelayState');
          const user = await deps.sso.finishSaml(
            { SAMLResponse: samlResponse, RelayState: relayState },
            urlsOf(request),
            ssoStateOf(request),
          );
          return await signIn(request, reply, user);
        } catch (err) {
          return sendRefusal(request, reply, err, 'SAML sign-in');
        }
      },
    );
  };
}
