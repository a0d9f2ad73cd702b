import type { ApiKeyRow, ApiKeyScope } from '../db/schema.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { newId } from '../lib/ids.ts';
import { notFound } from '../http/problem.ts';
import { formatApiKey, hashSecret, newSecret } from './api-key-secret.ts';

export interface CreatedApiKey {
  row: ApiKeyRow;
  /** The whole key; shown once, never stored. */
  apiKey: string;
}

export class ApiKeysService {
  constructor(
    private readonly repos: Pick<Repositories, 'apiKeys' | 'tenants'>,
    private readonly now: () => number = Date.now,
  ) {}

  async create(tenantId: string, input: { name: string; scope: ApiKeyScope }): Promise<CreatedApiKey> {
    if (!(await this.repos.tenants.get(tenantId))) throw notFound('tenant');
    return issueApiKey(this.repos, tenantId, input, this.now());
  }

  async list(tenantId: string): Promise<ApiKeyRow[]> {
    if (!(await this.repos.tenants.get(tenantId))) throw notFound('tenant');
    return this.repos.apiKeys.listForTenant(tenantId);
  }

  async revoke(tenantId: string, keyId: string): Promise<ApiKeyRow> {
    if (!(await this.repos.apiKeys.revoke(tenantId, keyId, this.now()))) throw notFound('API key');
    const row = await this.repos.apiKeys.getForTenant(tenantId, keyId);
    if (!row) throw notFound('API key');
    return row;
  }
}

/** Creates a key row and returns the only copy of its secret. */
export async function issueApiKey(
  repos: Pick<Repositories, 'apiKeys'>,
  tenantId: string,
  input: { name: string; scope: ApiKeyScope },
  now: number,
): Promise<CreatedApiKey> {
  const id = newId('key', now);
  const secret = newSecret();
  const row = await repos.apiKeys.create({
    id,
    tenant_id: tenantId,
    name: input.name,
    scope: input.scope,
    secret_hash: hashSecret(secret),
    created_at: now,
    last_used_at: null,
    revoked_at: null,
  });
  return { row, apiKey: formatApiKey(id, secret) };
}
