import { SAML, ValidateInResponseTo, type CacheProvider, type Profile } from '@node-saml/node-saml';
import type { SamlSettings } from './sso-settings.ts';

/**
 * SAML 2.0 sign-in with @node-saml/node-saml (5.1 or newer: the signature-wrapping fixes of
 * xml-crypto 6). Assertions must be signed by the tenant's IdP certificate, for Kino's audience,
 * in response to the request Kino sent for this sign-in (InResponseTo), within their times.
 */
export class SamlSignIn {
  async authorizationUrl(
    settings: SamlSettings,
    request: { acsUrl: string; entityId: string; requestId: string; relayState: string },
  ): Promise<string> {
    const saml = this.saml(settings, request.acsUrl, request.entityId, request.requestId, Date.now());
    return saml.getAuthorizeUrlAsync(request.relayState, undefined, {});
  }

  /** The profile of a valid response to request `requestId`; throws on anything else. */
  async finish(
    settings: SamlSettings,
    form: { SAMLResponse: string; RelayState?: string },
    request: { acsUrl: string; entityId: string; requestId: string; createdAt: number },
  ): Promise<Profile> {
    const saml = this.saml(settings, request.acsUrl, request.entityId, request.requestId, request.createdAt);
    const { profile } = await saml.validatePostResponseAsync({
      SAMLResponse: form.SAMLResponse,
      ...(form.RelayState !== undefined && { RelayState: form.RelayState }),
    });
    if (!profile) throw new Error('the response holds no sign-in');
    return profile;
  }

  private saml(
    settings: SamlSettings,
    acsUrl: string,
    entityId: string,
    requestId: string,
    createdAt: number,
  ): SAML {
    return new SAML({
      entryPoint: settings.entryPoint,
      idpCert: settings.idpCertPem,
      issuer: entityId,
      audience: settings.audience ?? entityId,
      callbackUrl: acsUrl,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      acceptedClockSkewMs: 60_000,
      generateUniqueId: () => requestId,
      cacheProvider: oneRequest(requestId, createdAt),
      requestIdExpirationPeriodMs: 10 * 60_000,
      identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    });
  }
}

/**
 * InResponseTo is checked against the one request of this sign-in: Kino keeps it in the database
 * (sso_requests), so any API process can take the response, and marks it used there.
 */
function oneRequest(requestId: string, createdAt: number): CacheProvider {
  return {
    saveAsync: (_key, value) => Promise.resolve({ createdAt, value }),
    // node-saml reads the value as the time the request was made.
    getAsync: (key) => Promise.resolve(key === requestId ? new Date(createdAt).toISOString() : null),
    removeAsync: (key) => Promise.resolve(key),
  };
}
