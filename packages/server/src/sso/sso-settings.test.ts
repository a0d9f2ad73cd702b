import { describe, expect, it } from 'vitest';
import { emailDomainOf, roleFrom, ssoInputSchema, takesEmail } from './sso-settings.ts';

describe('SSO settings', () => {
  it('finds an email domain and matches it exactly', () => {
    expect(emailDomainOf('Ada@School.Test')).toBe('school.test');
    expect(emailDomainOf('no-domain@')).toBeNull();
    expect(takesEmail(['school.test'], 'ada@school.test')).toBe(true);
    expect(takesEmail(['school.test'], 'ada@evil-school.test')).toBe(false);
    expect(takesEmail(['school.test'], 'ada@sub.school.test')).toBe(false);
    expect(takesEmail([], 'ada@school.test')).toBe(false);
  });

  it('takes a role from a claim only when it names a tenant role', () => {
    expect(roleFrom('admin', 'viewer')).toBe('admin');
    expect(roleFrom(['editor'], 'viewer')).toBe('editor');
    expect(roleFrom('operator', 'viewer')).toBe('viewer');
    expect(roleFrom(undefined, 'editor')).toBe('editor');
  });

  it('lower-cases domains and refuses what is not one', () => {
    const parsed = ssoInputSchema.parse({
      saml: {
        entryPoint: 'https://idp.example/sso',
        idpCertPem: 'x'.repeat(120),
        emailDomains: ['School.Test'],
      },
    });
    expect(parsed.saml?.emailDomains).toEqual(['school.test']);
    expect(() =>
      ssoInputSchema.parse({
        saml: {
          entryPoint: 'https://idp.example/sso',
          idpCertPem: 'x'.repeat(120),
          emailDomains: ['*.test'],
        },
      }),
    ).toThrow();
    expect(() => ssoInputSchema.parse({ oidc: { issuer: 'file:///etc/passwd', clientId: 'a' } })).toThrow();
  });
});
