import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { UserRow } from '../db/schema.ts';
import { ApiError } from '../http/problem.ts';
import { newId, randomToken } from '../lib/ids.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { normalizeEmail } from '../users/account-secrets.ts';
import { hashPassword } from '../users/password.ts';
import type { OidcSignIn } from './oidc-sign-in.ts';
import type { SamlSignIn } from './saml-sign-in.ts';
import {
  emailDomainOf,
  roleFrom,
  takesEmail,
  type OidcSettings,
  type SamlSettings,
  type SsoRole,
} from './sso-settings.ts';
import type { SsoRequestRow } from './sso.repository.ts';

/** A sign-in sent to the provider must come back within this time. */
const REQUEST_MS = 10 * 60_000;

export interface SsoUrls {
  oidcRedirectUri: string;
  samlAcsUrl: string;
  samlEntityId: string;
}

export const ssoUrls = (base: string): SsoUrls => ({
  oidcRedirectUri: `${base}/auth/oidc/callback`,
  samlAcsUrl: `${base}/auth/saml/acs`,
  samlEntityId: `${base}/auth/saml/metadata`,
});

export interface TenantSso {
  oidc: OidcSettings | null;
  saml: SamlSettings | null;
}

/** Why a sign-in through the provider did not open a session (the reason is logged, not shown in full). */
export const ssoFailed = (reason: string) => new ApiError('sso_failed', reason);

/**
 * Single sign-on for the console: finds the tenant of an email's domain, sends the person to its
 * provider (OIDC or SAML) with a request kept server-side, and on the way back matches or creates
 * the account in that tenant.
 */
export class SsoService {
  private readonly now: () => number;

  constructor(
    private readonly deps: {
      repos: Pick<Repositories, 'sso' | 'users'>;
      oidc: OidcSignIn;
      saml: SamlSignIn;
      now?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
  }

  async settings(tenantId: string): Promise<TenantSso> {
    const row = await this.deps.repos.sso.get(tenantId);
    return {
      oidc: row?.oidc ? (JSON.parse(row.oidc) as OidcSettings) : null,
      saml: row?.saml ? (JSON.parse(row.saml) as SamlSettings) : null,
    };
  }

  async put(tenantId: string, next: TenantSso): Promise<void> {
    const others = (await this.deps.repos.sso.listAll()).filter((r) => r.tenant_id !== tenantId);
    const claimed = new Set(
      others.flatMap((r) => [
        ...(r.oidc ? (JSON.parse(r.oidc) as OidcSettings).emailDomains : []),
        ...(r.saml ? (JSON.parse(r.saml) as SamlSettings).emailDomains : []),
      ]),
    );
    const taken = [...(next.oidc?.emailDomains ?? []), ...(next.saml?.emailDomains ?? [])].find((d) =>
      claimed.has(d),
    );
    if (taken) throw new ApiError('conflict', `another organisation signs in ${taken} with single sign-on`);
    await this.deps.repos.sso.put({
      tenant_id: tenantId,
      oidc: next.oidc ? JSON.stringify(next.oidc) : null,
      saml: next.saml ? JSON.stringify(next.saml) : null,
      updated_at: this.now(),
    });
  }

  /** Starts a sign-in for an email: the provider URL to send the browser to, and the request's state. */
  async start(
    email: string,
    urls: SsoUrls,
  ): Promise<{ url: string; state: string; protocol: 'oidc' | 'saml' }> {
    const found = await this.tenantOfEmail(normalizeEmail(email));
    if (!found)
      throw new ApiError('sso_not_configured', 'no organisation signs this email in with single sign-on');
    const now = this.now();
    await this.deps.repos.sso.pruneRequests(now - 24 * 3600_000);
    const state = randomToken(24);
    const base: SsoRequestRow = {
      state,
      tenant_id: found.tenantId,
      protocol: 'oidc',
      nonce: null,
      code_verifier: null,
      saml_request_id: null,
      created_at: now,
      expires_at: now + REQUEST_MS,
      used_at: null,
    };
    if (found.settings.oidc) {
      const request = { ...base, nonce: oidc.randomNonce(), code_verifier: oidc.randomPKCECodeVerifier() };
      const url = await this.deps.oidc.authorizationUrl(found.settings.oidc, {
        redirectUri: urls.oidcRedirectUri,
        state,
        nonce: request.nonce,
        codeVerifier: request.code_verifier,
      });
      await this.deps.repos.sso.addRequest(request);
      return { url, state, protocol: 'oidc' };
    }
    const saml = found.settings.saml as SamlSettings;
    const request = {
      ...base,
      protocol: 'saml' as const,
      saml_request_id: `_${randomBytes(20).toString('hex')}`,
    };
    const url = await this.deps.saml.authorizationUrl(saml, {
      acsUrl: urls.samlAcsUrl,
      entityId: urls.samlEntityId,
      requestId: request.saml_request_id,
      relayState: state,
    });
    await this.deps.repos.sso.addRequest(request);
    return { url, state, protocol: 'saml' };
  }

  /** The account an OIDC callback signs in. `browserState` is the state the browser's cookie holds. */
  async finishOidc(callbackUrl: URL, browserState: string | undefined): Promise<UserRow> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    const { request, settings } = await this.openRequest(state, 'oidc', browserState);
    if (!settings.oidc || !request.nonce || !request.code_verifier)
      throw ssoFailed('OpenID Connect is not set up');
    let claims: Record<string, unknown>;
    try {
      claims = await this.deps.oidc.finish(settings.oidc, callbackUrl, {
        state: request.state,
        nonce: request.nonce,
        codeVerifier: request.code_verifier,
      });
    } catch (err) {
      throw ssoFailed(
        `the provider's answer was refused: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (claims.email_verified === false) throw ssoFailed('the provider has not verified this email');
    const role = roleFrom(
      settings.oidc.roleClaim ? claims[settings.oidc.roleClaim] : undefined,
      settings.oidc.defaultRole,
    );
    return this.accountFor(request.tenant_id, claims.email, claims.name, role, settings.oidc.emailDomains);
  }

  /** The account a SAML response signs in; the RelayState names Kino's request. */
  async finishSaml(
    form: { SAMLResponse: string; RelayState: string },
    urls: SsoUrls,
    browserState: string | undefined,
  ): Promise<UserRow> {
    const { request, settings } = await this.openRequest(form.RelayState, 'saml', browserState);
    if (!settings.saml || !request.saml_request_id) throw ssoFailed('SAML is not set up');
    let profile: Awaited<ReturnType<SamlSignIn['finish']>>;
    try {
      profile = await this.deps.saml.finish(settings.saml, form, {
        acsUrl: urls.samlAcsUrl,
        entityId: urls.samlEntityId,
        requestId: request.saml_request_id,
        createdAt: request.created_at,
      });
    } catch (err) {
      throw ssoFailed(`the SAML response was refused: ${err instanceof Error ? err.message : String(err)}`);
    }
    const email =
      profile.email ??
      profile.mail ??
      profile['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'] ??
      profile.nameID;
    const name =
      profile['displayName'] ?? profile['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name'];
    return this.accountFor(
      request.tenant_id,
      email,
      name,
      settings.saml.defaultRole,
      settings.saml.emailDomains,
    );
  }

  /** The request of a callback: known, unexpired, of this protocol, started in this browser, used once. */
  private async openRequest(state: string, protocol: 'oidc' | 'saml', browserState: string | undefined) {
    const request = state ? await this.deps.repos.sso.getRequest(state) : undefined;
    if (!request || request.protocol !== protocol) throw ssoFailed('this sign-in is unknown: start again');
    if (request.used_at !== null) throw new ApiError('sso_replayed', 'this sign-in was used already');
    if (request.expires_at <= this.now()) throw ssoFailed('the sign-in took too long: start again');
    if (browserState !== request.state) throw ssoFailed('this sign-in was started in another browser');
    if (!(await this.deps.repos.sso.useRequest(request.state, this.now()))) {
      throw new ApiError('sso_replayed', 'this sign-in was used already');
    }
    return { request, settings: await this.settings(request.tenant_id) };
  }

  /**
   * The tenant's account of this email: linked when it exists (and is enabled), created with `role`
   * when the email's domain is one the tenant signs in; refused otherwise.
   */
  private async accountFor(
    tenantId: string,
    emailClaim: unknown,
    nameClaim: unknown,
    role: SsoRole,
    domains: readonly string[],
  ): Promise<UserRow> {
    if (typeof emailClaim !== 'string' || emailDomainOf(emailClaim) === null) {
      throw ssoFailed('the provider sent no email address');
    }
    const email = normalizeEmail(emailClaim);
    const existing = await this.deps.repos.users.findByEmailIn(tenantId, email);
    if (existing) {
      if (existing.disabled_at !== null) throw ssoFailed('this account is disabled');
      if (existing.password_hash === null) {
        // An invite not yet answered: signing in through the provider answers it.
        await this.deps.repos.users.setPassword(existing.id, await unusablePassword(), this.now());
        return { ...existing, password_hash: 'set' };
      }
      return existing;
    }
    if (!takesEmail(domains, email))
      throw ssoFailed(`accounts of ${emailDomainOf(email)} are not created by single sign-on here`);
    const now = this.now();
    const name =
      typeof nameClaim === 'string' && nameClaim.trim()
        ? nameClaim.trim().slice(0, 200)
        : (email.split('@')[0] ?? email);
    return this.deps.repos.users.create({
      id: newId('usr', now),
      tenant_id: tenantId,
      email,
      name,
      role,
      password_hash: await unusablePassword(),
      created_at: now,
      updated_at: now,
      last_login_at: null,
      disabled_at: null,
    });
  }

  private async tenantOfEmail(email: string): Promise<{ tenantId: string; settings: TenantSso } | undefined> {
    for (const row of await this.deps.repos.sso.listAll()) {
      const settings = {
        oidc: row.oidc ? (JSON.parse(row.oidc) as OidcSettings) : null,
        saml: row.saml ? (JSON.parse(row.saml) as SamlSettings) : null,
      };
      if (
        (settings.oidc && takesEmail(settings.oidc.emailDomains, email)) ||
        (settings.saml && takesEmail(settings.saml.emailDomains, email))
      ) {
        return {
          tenantId: row.tenant_id,
          settings:
            settings.oidc && !takesEmail(settings.oidc.emailDomains, email)
              ? { ...settings, oidc: null }
              : settings,
        };
      }
    }
    return undefined;
  }
}

/**
 * Accounts made by single sign-on get a password no one knows (a hash of 32 random bytes, then
 * forgotten): sessions need an account with a password, and a password login can never open it.
 */
async function unusablePassword(): Promise<string> {
  return hashPassword(randomToken(32));
}
