import { ApiKeysService } from '../api-keys/api-keys.service.ts';
import type { Config } from '../config/config.ts';
import type { ApiKeyScope } from '../db/schema.ts';
import { migrateToLatest, openDatabase } from '../db/database.ts';
import {
  createRepositories,
  unitOfWork,
  type Repositories,
  type UnitOfWork,
} from '../repositories/repositories.ts';
import { TenantsService } from '../tenants/tenants.service.ts';

/** A command's composition: the migrated database, its repositories and transactions. */
async function withDatabase<T>(
  config: Config,
  work: (repos: Repositories, transaction: UnitOfWork) => Promise<T>,
): Promise<T> {
  const handle = openDatabase(config.database, { poolSize: 2 });
  try {
    await migrateToLatest(handle.db);
    return await work(createRepositories(handle.db, handle.dialect), unitOfWork(handle));
  } finally {
    await handle.close();
  }
}

export async function migrate(config: Config): Promise<string> {
  const handle = openDatabase(config.database, { poolSize: 2 });
  try {
    const applied = await migrateToLatest(handle.db);
    return applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date';
  } finally {
    await handle.close();
  }
}

export function createTenant(config: Config, name: string): Promise<string> {
  return withDatabase(config, async (repos, transaction) => {
    const { tenant, apiKey } = await new TenantsService(repos, transaction).create(name);
    return `tenant ${tenant.id} (${tenant.name})\napi key (shown once): ${apiKey}`;
  });
}

export function listTenants(config: Config): Promise<string> {
  return withDatabase(config, async (repos, transaction) => {
    const rows = await new TenantsService(repos, transaction).list(1000);
    return rows.map((t) => `${t.id}\t${t.name}`).join('\n') || '(no tenants)';
  });
}

export function createKey(
  config: Config,
  tenantId: string,
  scope: ApiKeyScope,
  name: string,
): Promise<string> {
  return withDatabase(config, async (repos) => {
    const created = await new ApiKeysService(repos).create(tenantId, { name, scope });
    return `key ${created.row.id} (${scope})\napi key (shown once): ${created.apiKey}`;
  });
}

export function listKeys(config: Config, tenantId: string): Promise<string> {
  return withDatabase(config, async (repos) => {
    const rows = await new ApiKeysService(repos).list(tenantId);
    return (
      rows.map((k) => `${k.id}\t${k.scope}\t${k.revoked_at ? 'revoked' : 'active'}\t${k.name}`).join('\n') ||
      '(no keys)'
    );
  });
}

export function revokeKey(config: Config, tenantId: string, keyId: string): Promise<string> {
  return withDatabase(config, async (repos) => {
    await new ApiKeysService(repos).revoke(tenantId, keyId);
    return `revoked ${keyId}`;
  });
}
