import { issueApiKey } from '../api-keys/api-keys.service.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { TenantRow } from '../db/schema.ts';
import { notFound } from '../http/problem.ts';
import type { Cursor } from '../db/keyset.ts';
import { newId } from '../lib/ids.ts';

export class TenantsService {
  constructor(
    private readonly repos: Pick<Repositories, 'tenants'>,
    private readonly transaction: UnitOfWork,
    private readonly now: () => number = Date.now,
  ) {}

  /** A tenant with its first full-scope key, created together. */
  create(name: string): Promise<{ tenant: TenantRow; apiKey: string }> {
    const now = this.now();
    return this.transaction(async (repos) => {
      const tenant = await repos.tenants.create({
        id: newId('ten', now),
        name,
        created_at: now,
        updated_at: now,
      });
      const key = await issueApiKey(repos, tenant.id, { name: 'default', scope: 'full' }, now);
      return { tenant, apiKey: key.apiKey };
    });
  }

  async get(id: string): Promise<TenantRow> {
    const tenant = await this.repos.tenants.get(id);
    if (!tenant) throw notFound('tenant');
    return tenant;
  }

  list(limit: number, after?: Cursor): Promise<TenantRow[]> {
    return this.repos.tenants.list(limit + 1, after);
  }
}
