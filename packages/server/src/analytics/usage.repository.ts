import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

export interface UsageDay {
  tenantId: string;
  day: string;
  deliveredBytes: number;
  processedMs: number;
  storageBytes: number | null;
}

/** Usage per tenant and UTC day (`usage_daily`), and the bytes a tenant stores now. */
export class UsageRepository {
  constructor(private readonly db: Db) {}

  /** Adds bytes delivered by /play to each tenant's day. */
  async addDelivered(entries: readonly { tenantId: string; day: string; bytes: number }[]): Promise<void> {
    for (const e of entries) {
      await this.db
        .insertInto('usage_daily')
        .values({
          tenant_id: e.tenantId,
          day: e.day,
          delivered_bytes: e.bytes,
          processed_ms: 0,
          storage_bytes: null,
        })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'day']).doUpdateSet({
            delivered_bytes: sql<number>`usage_daily.delivered_bytes + ${e.bytes}`,
          }),
        )
        .execute();
    }
  }

  /** Sets a tenant's stored bytes as measured on a day. */
  async recordStorage(tenantId: string, day: string, bytes: number): Promise<void> {
    await this.db
      .insertInto('usage_daily')
      .values({ tenant_id: tenantId, day, delivered_bytes: 0, processed_ms: 0, storage_bytes: bytes })
      .onConflict((oc) => oc.columns(['tenant_id', 'day']).doUpdateSet({ storage_bytes: bytes }))
      .execute();
  }

  async days(tenantId: string | undefined, fromDay: string, toDay: string): Promise<UsageDay[]> {
    let query = this.db
      .selectFrom('usage_daily')
      .selectAll()
      .where('day', '>=', fromDay)
      .where('day', '<=', toDay);
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
    const rows = await query.orderBy('day').orderBy('tenant_id').execute();
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      day: r.day,
      deliveredBytes: r.delivered_bytes,
      processedMs: r.processed_ms,
      storageBytes: r.storage_bytes,
    }));
  }

  /** Tenants (all, or one) that have media, with the bytes of their originals. */
  async originalBytes(tenantId: string | undefined): Promise<Map<string, number>> {
    let query = this.db
      .selectFrom('media')
      .select(['tenant_id', sql<number | string | null>`sum(source_size)`.as('bytes')])
      .groupBy('tenant_id');
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
    const rows = await query.execute();
    return new Map(rows.map((r) => [r.tenant_id, Number(r.bytes ?? 0)]));
  }
}
