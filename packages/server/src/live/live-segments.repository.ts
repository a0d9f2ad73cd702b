import type { Db } from '../db/database.ts';
import type { LiveSegmentRow } from '../db/schema.ts';

export interface LivePeriodRow {
  media_id: string;
  period: number;
  started_at: number;
  /** JSON: LiveTrack[] (live-tracks.ts). */
  tracks: string;
}

/** A broadcast's periods and segments, by media id (the media row is checked by the caller). */
export class LiveSegmentsRepository {
  constructor(private readonly db: Db) {}

  async addPeriod(row: LivePeriodRow): Promise<void> {
    await this.db.insertInto('live_periods').values(row).execute();
  }

  async setPeriodTracks(mediaId: string, period: number, tracks: string): Promise<void> {
    await this.db
      .updateTable('live_periods')
      .set({ tracks })
      .where('media_id', '=', mediaId)
      .where('period', '=', period)
      .execute();
  }

  periods(mediaId: string): Promise<LivePeriodRow[]> {
    return this.db
      .selectFrom('live_periods')
      .selectAll()
      .where('media_id', '=', mediaId)
      .orderBy('period')
      .execute();
  }

  async lastPeriod(mediaId: string): Promise<number> {
    const row = await this.db
      .selectFrom('live_periods')
      .select((eb) => eb.fn.max('period').as('last'))
      .where('media_id', '=', mediaId)
      .executeTakeFirst();
    return row?.last ?? -1;
  }

  async add(row: LiveSegmentRow): Promise<void> {
    await this.db.insertInto('live_segments').values(row).execute();
  }

  /** The track's next segment number (0 for the first). */
  async nextSeq(mediaId: string, track: string): Promise<number> {
    const row = await this.db
      .selectFrom('live_segments')
      .select((eb) => eb.fn.max('seq').as('last'))
      .where('media_id', '=', mediaId)
      .where('track', '=', track)
      .executeTakeFirst();
    return row?.last == null ? 0 : row.last + 1;
  }

  /** A track's segments in order, from `fromReceivedAt` on (the DVR window) when given. */
  segments(mediaId: string, track: string, fromReceivedAt?: number): Promise<LiveSegmentRow[]> {
    let q = this.db
      .selectFrom('live_segments')
      .selectAll()
      .where('media_id', '=', mediaId)
      .where('track', '=', track);
    if (fromReceivedAt !== undefined) q = q.where('received_at', '>=', fromReceivedAt);
    return q.orderBy('seq').execute();
  }

  /** Milliseconds of a track received so far. */
  async durationMs(mediaId: string, track: string): Promise<number> {
    const row = await this.db
      .selectFrom('live_segments')
      .select((eb) => eb.fn.sum<number | string>('duration_ms').as('total'))
      .where('media_id', '=', mediaId)
      .where('track', '=', track)
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }
}
