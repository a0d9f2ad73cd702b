import { z } from 'zod';

const roleSchema = z.enum(['admin', 'editor', 'viewer']);
const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'a domain name like example.edu',
  );
const httpUrl = z.url({ protocol: /^https?$/ }).max(2048);

export const oidcInputSchema = z.strictObject({
  issuer: httpUrl.describe("The provider's issuer; Kino reads <issuer>/.well-known/openid-configuration"),
  clientId: z.string().min(1).max(1024),
  clientSecret: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe('Required the first time; omit to keep the stored one'),
  emailDomains: z.array(domainSchema).max(50).default([]),
  defaultRole: roleSchema.default('viewer'),
  roleClaim: z
    .string()
    .max(200)
    .optional()
    .describe('A claim whose value (admin, editor or viewer) sets the role of a new account'),
});

export const samlInputSchema = z.strictObject({
  entryPoint: httpUrl.describe("The IdP's single sign-on URL (HTTP-Redirect binding)"),
  idpCertPem: z.string().min(100).max(20_000).describe("The IdP's signing certificate (PEM)"),
  audience: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .describe("Kino's entity id; default <Kino URL>/auth/saml/metadata"),
  emailDomains: z.array(domainSchema).max(50).default([]),
  defaultRole: roleSchema.default('viewer'),
});

export const ssoInputSchema = z.strictObject({
  oidc: oidcInputSchema.nullable().optional(),
  saml: samlInputSchema.nullable().optional(),
});

export type OidcSettings = Omit<z.infer<typeof oidcInputSchema>, 'clientSecret'> & { clientSecret: string };
export type SamlSettings = z.infer<typeof samlInputSchema>;
export type SsoRole = z.infer<typeof roleSchema>;

/** The lower-cased domain of an email address, or null when it has none. */
export function emailDomainOf(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return null;
  return email
    .slice(at + 1)
    .trim()
    .toLowerCase();
}

/** Whether settings with these domains take this email (no domains listed: the tenant takes none by email). */
export function takesEmail(domains: readonly string[], email: string): boolean {
  const domain = emailDomainOf(email);
  return domain !== null && domains.includes(domain);
}

/** A role claim's value when it names a tenant role, else the default. */
export function roleFrom(claim: unknown, fallback: SsoRole): SsoRole {
  const parsed = roleSchema.safeParse(Array.isArray(claim) ? claim[0] : claim);
  return parsed.success ? parsed.data : fallback;
}
