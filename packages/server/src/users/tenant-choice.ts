import type { UserRow } from '../db/schema.ts';
import { ApiError } from '../http/problem.ts';
import type { TenantsRepository } from '../tenants/tenants.repository.ts';

/** An account a login may open: its tenant, or null for the operator account. */
export interface TenantChoice {
  id: string | null;
  name: string | null;
}

/**
 * The password opens accounts in several tenants: the login must name one (`tenantId`). Listing
 * them reveals nothing new, since the caller has just proven the password of each.
 */
export class TenantRequiredError extends ApiError {
  constructor(readonly tenants: TenantChoice[]) {
    super('tenant_required', 'this email and password open several accounts: send the tenantId of one', {
      tenants,
    });
  }
}

/** The tenants (with their names) of accounts that share an email and a password. */
export async function tenantChoices(
  tenants: TenantsRepository,
  accounts: UserRow[],
): Promise<TenantChoice[]> {
  return Promise.all(
    accounts.map(async (account): Promise<TenantChoice> => {
      if (account.tenant_id === null) return { id: null, name: null };
      return { id: account.tenant_id, name: (await tenants.get(account.tenant_id))?.name ?? null };
    }),
  );
}
