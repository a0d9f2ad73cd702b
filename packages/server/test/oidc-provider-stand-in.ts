/**
 * A real OpenID provider on loopback (the `oidc-provider` package, with its development sign-in
 * and consent pages), standing in for a school's Entra ID, Google Workspace or Keycloak. Any login
 * name signs in; a login that is an email address is that person's email (verified).
 */
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import Provider from 'oidc-provider';

export interface OidcProviderStandIn {
  issuer: string;
  clients: { id: string; secret: string }[];
  close(): Promise<void>;
}

export async function startOidcProvider(redirectUris: string[]): Promise<OidcProviderStandIn> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = [
    { id: 'kino-console', secret: 'kino-console-secret-0123456789' },
    { id: 'another-app', secret: 'another-app-secret-0123456789' },
  ];
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.id,
      client_secret: c.secret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({
        sub: id,
        ...(id.includes('@') && { email: id, email_verified: true }),
        name: `Person ${id.split('@')[0] ?? id}`,
      }),
    }),
    cookies: { keys: ['stand-in-cookie-key-0123456789'] },
    features: { devInteractions: { enabled: true } },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clients,
    close: () =>
      new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}
