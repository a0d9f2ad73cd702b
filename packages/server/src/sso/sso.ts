import { guardedFetch } from '../imports/guarded-fetch.ts';
import type { Repositories } from '../repositories/repositories.ts';
import type { SessionsService } from '../users/sessions.service.ts';
import { OidcSignIn } from './oidc-sign-in.ts';
import { SamlSignIn } from './saml-sign-in.ts';
import { ssoHttpRoutes } from './sso.routes.ts';
import { SsoService } from './sso.service.ts';

/**
 * Console single sign-on wired over the process's repositories and the console's sessions.
 *
 * @example await app.register(ssoRoutes({ repos, sessions: accounts.sessions, publicUrl, allowPrivate }));
 */
export function ssoRoutes(deps: {
  repos: Repositories;
  sessions: SessionsService;
  publicUrl: string | undefined;
  /** Providers on inside addresses, over http (KINO_IMPORT_ALLOW_PRIVATE=1: tests, development). */
  allowPrivate: boolean;
}) {
  const oidc = new OidcSignIn({
    fetch: guardedFetch({ allowPrivate: deps.allowPrivate }),
    allowInsecure: deps.allowPrivate,
  });
  const sso = new SsoService({ repos: deps.repos, oidc, saml: new SamlSignIn() });
  return ssoHttpRoutes({ sso, sessions: deps.sessions, publicUrl: deps.publicUrl });
}
