import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { ZoomConnectionsTable, ZoomRecordingsTable } from '../db/schema.ts';

export type ZoomConnectionRow = Selectable<ZoomConnectionsTable>;
export type ZoomRecordingRow = Selectable<ZoomRecordingsTable>;

/** Tenants' Zoom apps, the Zoom recordings imported, and the webhook requests already accepted. */
export class ZoomRepository {
  constructor(private readonly db: Db) {}

  getConnection(tenantId: string): Promise<ZoomConnectionRow | undefined> {
    return this.db
      .selectFrom('zoom_connections')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
  }

  /** Creates or replaces the tenant's one connection. */
  async saveConnection(row: ZoomConnectionRow): Promise<void> {
    const { tenant_id: _tenant, created_at: _created, ...changes } = row;
    await this.db
      .insertInto('zoom_connections')
      .values(row)
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet(changes))
      .execute();
  }

  async deleteConnection(tenantId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('zoom_connections')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  getRecording(tenantId: string, recordingFileId: string): Promise<ZoomRecordingRow | undefined> {
    return this.db
      .selectFrom('zoom_recordings')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('recording_file_id', '=', recordingFileId)
      .executeTakeFirst();
  }

  /** Records an import; false when this recording file was imported already (nothing written). */
  async addRecording(row: ZoomRecordingRow): Promise<boolean> {
    const result = await this.db
      .insertInto('zoom_recordings')
      .values(row)
      .onConflict((oc) => oc.columns(['tenant_id', 'recording_file_id']).doNothing())
      .returning('media_id')
      .executeTakeFirst();
    return result !== undefined;
  }

  /** Forgets an import whose media is gone, so the recording may be imported again. */
  async deleteRecording(tenantId: string, recordingFileId: string): Promise<void> {
    await this.db
      .deleteFrom('zoom_recordings')
      .where('tenant_id', '=', tenantId)
      .where('recording_file_id', '=', recordingFileId)
      .execute();
  }

  /**
   * Notes a signed request as accepted; false when it was seen before (a replay). Receipts older
   * than `forgetBefore` go: their timestamps are outside the tolerance, so they are refused anyway.
   */
  async acceptReceipt(
    tenantId: string,
    signatureHash: string,
    now: number,
    forgetBefore: number,
  ): Promise<boolean> {
    await this.db.deleteFrom('zoom_webhook_receipts').where('received_at', '<', forgetBefore).execute();
    const result = await this.db
      .insertInto('zoom_webhook_receipts')
      .values({ tenant_id: tenantId, signature_hash: signatureHash, received_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'signature_hash']).doNothing())
      .returning('signature_hash')
      .executeTakeFirst();
    return result !== undefined;
  }
}
