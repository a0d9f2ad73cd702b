import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/** How far the work on a media has come, as its worker last reported it. */
export interface MediaProgress {
  percent: number | null;
  message: string | null;
}

/** Job types that move a media towards playable; their payloads name it as `mediaId`. */
const MEDIA_WORK = ['media.import', 'media.process'];

/**
 * Reads processing progress from the media's unfinished job (import, then processing): workers
 * record it with their heartbeats, so it is at most a heartbeat old.
 */
export class JobProgressRepository {
  constructor(private readonly db: Db) {}

  async forMedia(tenantId: string, mediaId: string): Promise<MediaProgress | null> {
    // Media ids are [a-z0-9_]; '_' is a LIKE wildcard, so it is escaped to match itself only.
    const pattern = `%"mediaId":"${mediaId.replace(/[!%_]/g, (c) => `!${c}`)}"%`;
    const job = await this.db
      .selectFrom('jobs')
      .select(['progress_percent', 'progress_message'])
      .where('tenant_id', '=', tenantId)
      .where('type', 'in', MEDIA_WORK)
      .where('state', 'in', ['available', 'running', 'retrying'])
      .where(sql<boolean>`payload like ${pattern} escape '!'`)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!job) return null;
    return { percent: job.progress_percent, message: job.progress_message };
  }
}
