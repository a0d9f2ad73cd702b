import type { ApiKeysRepository } from '../api-keys/api-keys.repository.ts';
import type { UnitOfWork } from '../repositories/repositories.ts';
import type { ApiKeyScope } from '../db/schema.ts';

/** What a verified API key grants: enough to build the request's principal without the database. */
export interface VerifiedKey {
  keyId: string;
  tenantId: string;
  scope: ApiKeyScope;
}

/** Keys that verified within the last few seconds; a revoked key works here for at most `ttlMs`. */
export const VERIFIED_KEY_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

/**
 * API keys this process verified recently, by the sha256 of the presented key (never the key
 * itself), so a busy client costs one key lookup every few seconds instead of one per request.
 * Only keys that verified are kept. A revocation or tenant deletion through this process is seen
 * at once (`forget`, `forgetTenant`); one through another process (or the CLI) within `ttlMs`.
 *
 * @example const keys = new VerifiedKeyCache(); keys.set(digest, key); keys.get(digest)?.tenantId;
 */
export class VerifiedKeyCache {
  private readonly entries = new Map<string, VerifiedKey & { until: number }>();

  constructor(
    private readonly ttlMs = VERIFIED_KEY_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(digest: string): VerifiedKey | undefined {
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(digest);
      return undefined;
    }
    return entry;
  }

  set(digest: string, key: VerifiedKey): void {
    // Many distinct keys in a few seconds: start afresh rather than track recency.
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(digest, { ...key, until: this.now() + this.ttlMs });
  }

  /** Drops a key (it was revoked): its next request is checked against the database again. */
  forget(keyId: string): void {
    for (const [digest, entry] of this.entries) if (entry.keyId === keyId) this.entries.delete(digest);
  }

  /** Drops every key of a tenant (it was deleted). */
  forgetTenant(tenantId: string): void {
    for (const [digest, entry] of this.entries) if (entry.tenantId === tenantId) this.entries.delete(digest);
  }
}

/** The key repository, with revocations also dropping the key from `cache`. */
export function forgetOnRevoke(apiKeys: ApiKeysRepository, cache: VerifiedKeyCache): ApiKeysRepository {
  const wrapped = Object.create(apiKeys) as ApiKeysRepository;
  wrapped.revoke = async (tenantId, keyId, now) => {
    const revoked = await apiKeys.revoke(tenantId, keyId, now);
    cache.forget(keyId);
    return revoked;
  };
  return wrapped;
}

/** A unit of work whose tenant deletions also drop the tenant's keys from `cache`, once committed. */
export function forgetDeletedTenants(transaction: UnitOfWork, cache: VerifiedKeyCache): UnitOfWork {
  return async (work) => {
    const deleted: string[] = [];
    const result = await transaction((repos) => {
      const tenants = Object.create(repos.tenants) as typeof repos.tenants;
      tenants.delete = async (id) => {
        const found = await repos.tenants.delete(id);
        deleted.push(id);
        return found;
      };
      return work({ ...repos, tenants });
    });
    for (const id of deleted) cache.forgetTenant(id);
    return result;
  };
}
