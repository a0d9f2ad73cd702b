import * as oidc from 'openid-client';
import type { OidcSettings } from './sso-settings.ts';

type Fetch = (
  url: string,
  init: {
    method?: string;
    headers?: ConstructorParameters<typeof Headers>[0];
    body?: string | URLSearchParams | null;
    signal?: AbortSignal | null;
  },
) => Promise<Response>;

const CONFIG_TTL_MS = 10 * 60_000;

/**
 * OpenID Connect sign-in with openid-client: discovery (kept ten minutes), the authorization code
 * flow with PKCE, state and nonce checked by the library against what Kino stored for the request.
 * Every request to the provider goes through the SSRF-guarded fetch; http issuers only when inside
 * addresses are allowed (tests, development).
 */
export class OidcSignIn {
  private readonly configs = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();

  constructor(private readonly opts: { fetch: Fetch; allowInsecure: boolean; now?: () => number }) {}

  async authorizationUrl(
    settings: OidcSettings,
    request: { redirectUri: string; state: string; nonce: string; codeVerifier: string },
  ): Promise<string> {
    const config = await this.configuration(settings);
    return oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: request.redirectUri,
        scope: 'openid email profile',
        response_type: 'code',
        state: request.state,
        nonce: request.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(request.codeVerifier),
        code_challenge_method: 'S256',
      })
      .toString();
  }

  /** Exchanges the callback's code; throws when the provider or any check refuses. Returns the ID token's claims. */
  async finish(
    settings: OidcSettings,
    callbackUrl: URL,
    expected: { state: string; nonce: string; codeVerifier: string },
  ): Promise<Record<string, unknown>> {
    const config = await this.configuration(settings);
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      expectedState: expected.state,
      expectedNonce: expected.nonce,
      pkceCodeVerifier: expected.codeVerifier,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the provider sent no ID token');
    if (claims.email !== undefined) return claims;
    // Conforming providers may keep profile claims for the userinfo endpoint when they issue an access token.
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    return { ...userinfo, ...claims, email: userinfo.email, email_verified: userinfo.email_verified };
  }

  private configuration(settings: OidcSettings): Promise<oidc.Configuration> {
    const key = JSON.stringify([settings.issuer, settings.clientId, settings.clientSecret]);
    const now = this.opts.now?.() ?? Date.now();
    const cached = this.configs.get(key);
    if (cached && now - cached.at < CONFIG_TTL_MS) return cached.config;
    const config = oidc.discovery(
      new URL(settings.issuer),
      settings.clientId,
      undefined,
      oidc.ClientSecretBasic(settings.clientSecret),
      {
        [oidc.customFetch]: this.opts.fetch as oidc.CustomFetch,
        // http providers only in tests and development (KINO_IMPORT_ALLOW_PRIVATE=1).
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        ...(this.opts.allowInsecure && { execute: [oidc.allowInsecureRequests] }),
        timeout: 10,
      },
    );
    config.catch(() => this.configs.delete(key));
    this.configs.set(key, { at: now, config });
    return config;
  }
}
