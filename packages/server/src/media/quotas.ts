import { ApiError } from '../http/problem.ts';
import type { Repositories } from '../repositories/repositories.ts';

/**
 * What a request is about to add to a tenant's usage; a quota left out is not checked, and 0 (not
 * known yet) refuses only when the quota is used up.
 */
export interface QuotaNeed {
  /** Bytes of a new original. */
  bytes?: number;
  /** Minutes of video about to be processed. */
  minutes?: number;
}

const exceeds = (used: number, add: number, limit: number) => used + add > limit || used >= limit;

/**
 * Refuses with 403 `quota_exceeded` when the tenant's quotas (set by the operator) cannot take
 * `need`: stored bytes plus the new original over the storage quota, or processed minutes plus
 * the new ones over the minutes quota. A quota of null is no quota.
 */
export async function assertWithinQuota(
  quotas: Pick<Repositories['quotas'], 'get' | 'usage'>,
  tenantId: string,
  need: QuotaNeed,
): Promise<void> {
  const limits = await quotas.get(tenantId);
  if (!limits || (limits.storageBytes === null && limits.minutes === null)) return;
  const used = await quotas.usage(tenantId);
  const bytes = need.bytes ?? 0;
  if (
    need.bytes !== undefined &&
    limits.storageBytes !== null &&
    exceeds(used.storageBytes, bytes, limits.storageBytes)
  ) {
    throw new ApiError(
      'quota_exceeded',
      `this tenant stores ${used.storageBytes} bytes of ${limits.storageBytes}; ${bytes ? `${bytes} more do not fit` : 'the storage quota is used up'}`,
      { quota: 'storage', limit: limits.storageBytes, used: used.storageBytes },
    );
  }
  const minutes = need.minutes ?? 0;
  if (
    need.minutes !== undefined &&
    limits.minutes !== null &&
    exceeds(used.processedMinutes, minutes, limits.minutes)
  ) {
    const usedMinutes = Math.round(used.processedMinutes * 10) / 10;
    throw new ApiError(
      'quota_exceeded',
      `this tenant has had ${usedMinutes} of its ${limits.minutes} minutes processed; more processing is refused`,
      { quota: 'minutes', limit: limits.minutes, used: usedMinutes },
    );
  }
}
