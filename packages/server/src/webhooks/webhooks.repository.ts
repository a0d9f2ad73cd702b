import { sql, type Updateable } from 'kysely';
import type { Db } from '../db/database.ts';
import type {
  WebhookDeliveriesTable,
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookEndpointsTable,
} from '../db/schema.ts';

/** Webhook endpoints and their delivery log; every read and write names the tenant. */
export class WebhooksRepository {
  constructor(private readonly db: Db) {}

  async createEndpoint(row: WebhookEndpointRow): Promise<WebhookEndpointRow> {
    await this.db.insertInto('webhook_endpoints').values(row).execute();
    return row;
  }

  getEndpoint(tenantId: string, id: string): Promise<WebhookEndpointRow | undefined> {
    return this.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  listEndpoints(tenantId: string): Promise<WebhookEndpointRow[]> {
    return this.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /** Endpoints that take new events: not paused (the event type is matched by the caller). */
  listActiveEndpoints(tenantId: string): Promise<WebhookEndpointRow[]> {
    return this.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('paused', '=', 0)
      .execute();
  }

  async updateEndpoint(
    tenantId: string,
    id: string,
    changes: Updateable<WebhookEndpointsTable>,
  ): Promise<WebhookEndpointRow | undefined> {
    await this.db
      .updateTable('webhook_endpoints')
      .set(changes)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
    return this.getEndpoint(tenantId, id);
  }

  async deleteEndpoint(tenantId: string, id: string): Promise<boolean> {
    // Deliveries go first: SQLite runs without foreign key enforcement here.
    await this.db
      .deleteFrom('webhook_deliveries')
      .where('tenant_id', '=', tenantId)
      .where('endpoint_id', '=', id)
      .execute();
    const result = await this.db
      .deleteFrom('webhook_endpoints')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** A delivery succeeded: the endpoint's failure run is over. */
  async recordEndpointSuccess(endpointId: string, now: number): Promise<void> {
    await this.db
      .updateTable('webhook_endpoints')
      .set({ failing_since: null, consecutive_dead: 0, updated_at: now })
      .where('id', '=', endpointId)
      .execute();
  }

  /** An attempt failed (and, with `dead`, a delivery gave up); returns the endpoint after it. */
  async recordEndpointFailure(
    endpointId: string,
    opts: { dead: boolean },
    now: number,
  ): Promise<WebhookEndpointRow | undefined> {
    await this.db
      .updateTable('webhook_endpoints')
      .set({
        failing_since: sql<number>`coalesce(failing_since, ${now})`,
        ...(opts.dead && { consecutive_dead: sql<number>`consecutive_dead + 1` }),
      })
      .where('id', '=', endpointId)
      .execute();
    return this.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpointId)
      .executeTakeFirst();
  }

  async createDelivery(row: WebhookDeliveryRow): Promise<WebhookDeliveryRow> {
    await this.db.insertInto('webhook_deliveries').values(row).execute();
    return row;
  }

  getDelivery(tenantId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
    return this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The most recent deliveries of an endpoint, newest first. */
  listDeliveries(tenantId: string, endpointId: string, limit: number): Promise<WebhookDeliveryRow[]> {
    return this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('endpoint_id', '=', endpointId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  async updateDelivery(id: string, changes: Updateable<WebhookDeliveriesTable>): Promise<void> {
    await this.db.updateTable('webhook_deliveries').set(changes).where('id', '=', id).execute();
  }
}
