import type { Db } from '../db/database.ts';
import type { RecordingPartRow, RecordingRow, RecordingStatus } from '../db/schema.ts';

/** Recordings and their parts (each part a tus upload). */
export class RecordingsRepository {
  constructor(private readonly db: Db) {}

  async create(row: RecordingRow): Promise<RecordingRow> {
    await this.db.insertInto('recordings').values(row).execute();
    return row;
  }

  get(tenantId: string, id: string): Promise<RecordingRow | undefined> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Moves a recording from one status to another; false when it was no longer `from`. */
  async moveStatus(
    id: string,
    from: RecordingStatus,
    to: RecordingStatus,
    changes: { completed_at?: number; recovered?: number } = {},
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('recordings')
      .set({ status: to, ...changes })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('recordings')
      .set({ last_byte_at: now })
      .where('id', '=', id)
      .where('last_byte_at', '<', now)
      .execute();
  }

  /** Recordings still `recording` whose last byte is older than `before`. */
  listAbandoned(before: number, limit: number): Promise<RecordingRow[]> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .where('status', '=', 'recording')
      .where('last_byte_at', '<', before)
      .orderBy('last_byte_at')
      .limit(limit)
      .execute();
  }

  /** Recordings of a tenant that are not completed yet (recording or joining), newest first. */
  listOpen(tenantId: string, limit: number): Promise<RecordingRow[]> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('status', 'in', ['recording', 'joining'])
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  }

  async createPart(row: RecordingPartRow): Promise<RecordingPartRow> {
    await this.db.insertInto('recording_parts').values(row).execute();
    return row;
  }

  getPart(uploadId: string): Promise<RecordingPartRow | undefined> {
    return this.db
      .selectFrom('recording_parts')
      .selectAll()
      .where('upload_id', '=', uploadId)
      .executeTakeFirst();
  }

  /** A recording's parts, by track then part number. */
  listParts(recordingId: string): Promise<RecordingPartRow[]> {
    return this.db
      .selectFrom('recording_parts')
      .selectAll()
      .where('recording_id', '=', recordingId)
      .orderBy('track')
      .orderBy('part')
      .execute();
  }

  /** The highest part number of a track, or undefined when it has none. */
  async lastPart(recordingId: string, track: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('recording_parts')
      .select((eb) => eb.fn.max('part').as('last'))
      .where('recording_id', '=', recordingId)
      .where('track', '=', track)
      .executeTakeFirst();
    return row?.last ?? undefined;
  }

  /** Marks a part complete with its length; false when it already was. */
  async completePart(uploadId: string, size: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('recording_parts')
      .set({ completed_at: now, size })
      .where('upload_id', '=', uploadId)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
