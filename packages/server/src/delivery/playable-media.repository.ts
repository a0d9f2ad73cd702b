import { createQueryId, type CompiledQuery } from 'kysely';
import type { Db } from '../db/database.ts';
import type { MediaRow } from '../db/schema.ts';

/** What /play needs of a media row. */
export type PlayableMedia = Pick<
  MediaRow,
  | 'id'
  | 'tenant_id'
  | 'visibility'
  | 'playback_prefix'
  | 'playback_index'
  | 'title'
  | 'live_stream_id'
  | 'live_status'
>;

/**
 * The media row lookup of every /play request, by id alone (the routes check tokens and rules
 * themselves). The query is compiled once: building it with Kysely on every request cost several
 * times the query itself.
 */
export class PlayableMediaRepository {
  private readonly query: CompiledQuery<PlayableMedia>;

  constructor(private readonly db: Db) {
    this.query = db
      .selectFrom('media')
      .select([
        'id',
        'tenant_id',
        'visibility',
        'playback_prefix',
        'playback_index',
        'title',
        'live_stream_id',
        'live_status',
      ])
      .where('id', '=', '')
      .compile();
  }

  async get(id: string): Promise<PlayableMedia | undefined> {
    const query: CompiledQuery<PlayableMedia> = { ...this.query, queryId: createQueryId(), parameters: [id] };
    const { rows } = await this.db.executeQuery(query);
    return rows[0];
  }
}
