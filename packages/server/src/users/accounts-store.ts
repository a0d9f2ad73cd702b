import type { Db, Dialect } from '../db/database.ts';
import { transactionRunner } from '../db/transaction.ts';
import { TenantsRepository } from '../tenants/tenants.repository.ts';
import { InvitesRepository } from './invites.repository.ts';
import { LoginThrottleRepository } from './login-throttle.repository.ts';
import { SessionsRepository } from './sessions.repository.ts';
import { UsersRepository } from './users.repository.ts';

/** The repositories of people's accounts, all bound to one database or one transaction. */
export interface AccountRepos {
  users: UsersRepository;
  sessions: SessionsRepository;
  invites: InvitesRepository;
  throttle: LoginThrottleRepository;
  tenants: TenantsRepository;
}

export function accountRepos(db: Db): AccountRepos {
  return {
    users: new UsersRepository(db),
    sessions: new SessionsRepository(db),
    invites: new InvitesRepository(db),
    throttle: new LoginThrottleRepository(db),
    tenants: new TenantsRepository(db),
  };
}

/** Runs `work` with account repositories bound to one transaction. */
export type AccountsTransaction = <T>(work: (repos: AccountRepos) => Promise<T>) => Promise<T>;

export function accountsTransaction(handle: { db: Db; dialect: Dialect }): AccountsTransaction {
  const transact = transactionRunner(handle);
  return (work) => transact((db) => work(accountRepos(db)));
}
