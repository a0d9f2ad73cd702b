import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

export interface TenantQuotas {
  /** Bytes of originals (and uploads in progress); null: no quota. */
  storageBytes: number | null;
  /** Minutes of video processed; null: no quota. */
  minutes: number | null;
}

export interface TenantUsage {
  storageBytes: number;
  processedMinutes: number;
}

/** Tenants' quotas and what they use of them. */
export class QuotasRepository {
  constructor(private readonly db: Db) {}

  async get(tenantId: string): Promise<TenantQuotas | undefined> {
    const row = await this.db
      .selectFrom('tenants')
      .select(['quota_storage_bytes', 'quota_minutes'])
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return row && { storageBytes: row.quota_storage_bytes, minutes: row.quota_minutes };
  }

  /** Sets the quotas given (null removes one); false for an unknown tenant. */
  async set(tenantId: string, quotas: Partial<TenantQuotas>, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('tenants')
      .set({
        ...(quotas.storageBytes !== undefined && { quota_storage_bytes: quotas.storageBytes }),
        ...(quotas.minutes !== undefined && { quota_minutes: quotas.minutes }),
        updated_at: now,
      })
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Stored originals plus the announced length of uploads still arriving (their bytes are
   * promised), and minutes processed so far.
   */
  async usage(tenantId: string): Promise<TenantUsage> {
    const stored = await this.db
      .selectFrom('media')
      .select(sql<number | string | null>`sum(source_size)`.as('bytes'))
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    const arriving = await this.db
      .selectFrom('uploads')
      .select(sql<number | string | null>`sum(size)`.as('bytes'))
      .where('tenant_id', '=', tenantId)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    const processed = await this.db
      .selectFrom('tenants')
      .select('processed_ms')
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return {
      storageBytes: Number(stored?.bytes ?? 0) + Number(arriving?.bytes ?? 0),
      processedMinutes: (processed?.processed_ms ?? 0) / 60_000,
    };
  }

  async addProcessed(tenantId: string, ms: number): Promise<void> {
    await this.db
      .updateTable('tenants')
      .set((eb) => ({ processed_ms: eb('processed_ms', '+', Math.round(ms)) }))
      .where('id', '=', tenantId)
      .execute();
    // The same minutes in the tenant's usage of the day (analytics/usage.repository.ts reads it).
    const day = new Date().toISOString().slice(0, 10);
    await this.db
      .insertInto('usage_daily')
      .values({
        tenant_id: tenantId,
        day,
        delivered_bytes: 0,
        processed_ms: Math.round(ms),
        storage_bytes: null,
      })
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'day'])
          .doUpdateSet({ processed_ms: sql<number>`usage_daily.processed_ms + ${Math.round(ms)}` }),
      )
      .execute();
  }
}
