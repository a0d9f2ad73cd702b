/**
 * A SAML 2.0 identity provider stand-in: a key and self-signed certificate made with openssl for
 * the test, and responses built per the SAML 2.0 core specification whose assertion xml-crypto
 * signs (enveloped, exclusive c14n, RSA-SHA256), as ADFS, Shibboleth or Okta would send them.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignedXml } from 'xml-crypto';

export interface SamlIdpStandIn {
  entityId: string;
  entryPoint: string;
  certPem: string;
  /** A base64 SAMLResponse; `sign: false` leaves the assertion unsigned. */
  response(input: ResponseInput): string;
  /** The same, as XML (for tampering). */
  responseXml(input: ResponseInput): string;
  signAssertion(xml: string): string;
}

export interface ResponseInput {
  email: string;
  inResponseTo: string;
  audience: string;
  acsUrl: string;
  sign?: boolean;
  /** Seconds from now when the assertion stops being valid (default 300). */
  validForSeconds?: number;
}

export function makeSamlIdp(): SamlIdpStandIn {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saml-idp-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    '/CN=idp.school.test',
  ]);
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
  const privateKey = fs.readFileSync(key, 'utf8');
  const certPem = fs.readFileSync(cert, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  const entityId = 'https://idp.school.test/saml';

  const signAssertion = (xml: string) => {
    const sig = new SignedXml({
      privateKey,
      publicCert: certPem,
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    });
    sig.addReference({
      xpath: "//*[local-name(.)='Assertion']",
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
      transforms: [
        'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
        'http://www.w3.org/2001/10/xml-exc-c14n#',
      ],
    });
    sig.computeSignature(xml, {
      location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
    });
    return sig.getSignedXml();
  };

  const responseXml = (input: ResponseInput) => {
    const now = new Date();
    const iso = (offsetSeconds: number) => new Date(now.getTime() + offsetSeconds * 1000).toISOString();
    const until = iso(input.validForSeconds ?? 300);
    const id = () => `_${randomBytes(16).toString('hex')}`;
    const assertion =
      `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${iso(0)}">` +
      `<saml:Issuer>${entityId}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${input.email}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${input.acsUrl}" InResponseTo="${input.inResponseTo}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${iso(-60)}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${input.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="${id()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      `<saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>${input.email}</saml:AttributeValue></saml:Attribute>` +
      `<saml:Attribute Name="displayName"><saml:AttributeValue>Dana Dean</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>` +
      `</saml:Assertion>`;
    const xml =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${iso(0)}" Destination="${input.acsUrl}" InResponseTo="${input.inResponseTo}">` +
      `<saml:Issuer>${entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      `${assertion}</samlp:Response>`;
    return input.sign === false ? xml : signAssertion(xml);
  };

  return {
    entityId,
    entryPoint: 'https://idp.school.test/sso',
    certPem,
    responseXml,
    response: (input) => Buffer.from(responseXml(input)).toString('base64'),
    signAssertion,
  };
}
