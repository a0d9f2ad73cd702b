import type { App } from '../http/types.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { invitesRoutes } from './invites.routes.ts';
import { InvitesService } from './invites.service.ts';
import type { ThrottleLimits } from './login-throttle.ts';
import { sessionsRoutes } from './sessions.routes.ts';
import { SessionsService } from './sessions.service.ts';
import { usersRoutes } from './users.routes.ts';
import { UsersService } from './users.service.ts';

export interface Accounts {
  sessions: SessionsService;
  users: UsersService;
  /** Login, logout, session, members, invites and operator users under /v1. */
  routes: (app: App) => Promise<void>;
}

/**
 * People's accounts wired over the process's repositories: the sessions service (which the
 * authenticator uses for cookies), the members service, and their routes.
 *
 * @example const accounts = createAccounts({ repos, transaction }, { publicUrl });
 *          createAuthenticator({ operatorKey, apiKeys, sessions: accounts.sessions });
 *          await app.register(accounts.routes);
 */
export function createAccounts(
  { repos, transaction }: { repos: Repositories; transaction: UnitOfWork },
  opts: { publicUrl: string | undefined; throttle?: Partial<ThrottleLimits> },
): Accounts {
  const sessions = new SessionsService(repos, { limits: opts.throttle });
  const users = new UsersService(repos, transaction);
  const invites = new InvitesService({ repos, transaction, sessions });
  const shared = { tenants: repos.tenants, publicUrl: opts.publicUrl };
  return {
    sessions,
    users,
    routes: async (app) => {
      await app.register(sessionsRoutes({ sessions, ...shared }));
      await app.register(usersRoutes({ users, publicUrl: opts.publicUrl }));
      await app.register(invitesRoutes({ invites, ...shared }));
    },
  };
}
