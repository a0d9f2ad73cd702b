import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { overallProgress, type MediaProgress } from './job-progress.ts';

export type { MediaProgress } from './job-progress.ts';

/** Job types that take a media to ready, in order; their payloads name it as `mediaId`. */
const MEDIA_WORK = ['media.import', 'media.process', 'media.encode'];

/**
 * Reads processing progress from the media's unfinished job (import, processing, encoding):
 * workers record it with their heartbeats, so it is at most a heartbeat old. The percent is of
 * the whole way to ready (job-progress.ts), not of the one job.
 */
export class JobProgressRepository {
  constructor(private readonly db: Db) {}

  async forMedia(tenantId: string, mediaId: string): Promise<MediaProgress | null> {
    // Media ids are [a-z0-9_]; '_' is a LIKE wildcard, so it is escaped to match itself only.
    const pattern = `%"mediaId":"${mediaId.replace(/[!%_]/g, (c) => `!${c}`)}"%`;
    const job = await this.db
      .selectFrom('jobs')
      .select(['type', 'state', 'progress_percent', 'progress_message'])
      .where('tenant_id', '=', tenantId)
      .where('type', 'in', MEDIA_WORK)
      .where('state', 'in', ['available', 'running', 'retrying'])
      .where(sql<boolean>`payload like ${pattern} escape '!'`)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!job) return null;
    return overallProgress({
      type: job.type,
      running: job.state === 'running',
      percent: job.progress_percent,
      message: job.progress_message,
    });
  }
}
