import { sql } from 'kysely';
import { olderThan, type Cursor } from '../db/keyset.ts';
import type { Db } from '../db/database.ts';
import { PREPARED_SELECT } from '../db/prepared-statements.ts';
import type { MediaRow, MediaRowUpdate, MediaStatus, NewMediaRow, OriginalTier } from '../db/schema.ts';
import { MEDIA_JSON_COLUMNS, type MediaJsonRow } from './media.json.ts';
import { mediaSearchText, searchPattern } from './media-search.ts';

export interface MediaListQuery {
  limit: number;
  after?: Cursor | undefined;
  status?: MediaStatus | undefined;
  search?: string | undefined;
}

/** Every field a media has, but its status. */
export type MediaFieldChanges = Omit<MediaRowUpdate, 'status'>;

/** The searched fields a change sets. */
function pickSearched(changes: MediaRowUpdate): Partial<Pick<MediaRow, 'title' | 'description' | 'tags'>> {
  return {
    ...(changes.title !== undefined && { title: changes.title }),
    ...(changes.description !== undefined && { description: changes.description }),
    ...(changes.tags !== undefined && { tags: changes.tags }),
  };
}

/** Media rows. Every read and write is scoped by tenant: another tenant's id finds nothing. */
export class MediaRepository {
  constructor(private readonly db: Db) {}

  create(row: NewMediaRow): Promise<MediaRow> {
    return this.db
      .insertInto('media')
      .values({ ...row, search_text: mediaSearchText(row) })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  get(tenantId: string, id: string): Promise<MediaRow | undefined> {
    return this.db
      .selectFrom('media')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .modifyFront(PREPARED_SELECT)
      .executeTakeFirst();
  }

  /** A media with the columns of its API view (media.json.ts), for the API's lookups. */
  view(tenantId: string, id: string): Promise<MediaJsonRow | undefined> {
    return this.db
      .selectFrom('media')
      .select(MEDIA_JSON_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .modifyFront(PREPARED_SELECT)
      .executeTakeFirst();
  }

  /** A media by id alone, for the unauthenticated /play routes (which check tokens themselves). */
  getForPlayback(id: string): Promise<MediaRow | undefined> {
    return this.db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Newest first, with the columns of the API view; fetches limit + 1 rows so the caller knows
   * whether another page exists. Each combination of filters is one constant text, prepared once
   * per PostgreSQL connection.
   */
  list(tenantId: string, query: MediaListQuery): Promise<MediaJsonRow[]> {
    let q = this.db
      .selectFrom('media')
      .select(MEDIA_JSON_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .modifyFront(PREPARED_SELECT);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.search) {
      q = q.where(sql<boolean>`search_text like ${searchPattern(query.search)} escape '\\'`);
    }
    if (query.after) q = q.where(olderThan(query.after));
    return q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
  }

  /** Changes a media's fields; never its status, which only the lifecycle writes (`transition`). */
  async update(tenantId: string, id: string, changes: MediaFieldChanges): Promise<MediaRow | undefined> {
    return this.write(tenantId, id, changes);
  }

  /** Writes a new status with its changes: for media/lifecycle only (media-lifecycle.test.ts checks). */
  transition(tenantId: string, id: string, changes: MediaRowUpdate & { status: MediaStatus }) {
    return this.write(tenantId, id, changes);
  }

  private async write(tenantId: string, id: string, changes: MediaRowUpdate): Promise<MediaRow | undefined> {
    const searched =
      changes.title !== undefined || changes.description !== undefined || changes.tags !== undefined;
    if (!searched) {
      await this.db
        .updateTable('media')
        .set(changes)
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      return this.get(tenantId, id);
    }
    // The search text folds title, description and tags together, so it is written by the statement
    // that changes them, from the fields it leaves as they were read. When another writer changed
    // one of those in between, the statement matches no row and the row is read again: each retry
    // follows a write that succeeded, with or without a transaction around this one.
    for (;;) {
      const current = await this.get(tenantId, id);
      if (!current) return undefined;
      const search_text = mediaSearchText({ ...current, ...pickSearched(changes) });
      const written = await this.db
        .updateTable('media')
        .set({ ...changes, search_text })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('title', '=', current.title)
        .where('description', '=', current.description)
        .where('tags', '=', current.tags)
        .executeTakeFirst();
      if (written.numUpdatedRows > 0n) return this.get(tenantId, id);
    }
  }

  /**
   * Media `processing` since before `updatedBefore` with no unfinished job among those whose
   * idempotency key is `keyPrefix + media id + suffix` (media-job-keys.ts), oldest first:
   * candidates for the reconcile. One query, so a backlog of live jobs hides no stuck media.
   */
  // A running broadcast (live_status active) is processing with no job while it lasts: live/ ends it.
  listStuckCandidates(
    updatedBefore: number,
    limit: number,
    keyPrefix: string,
    keySuffixes: readonly string[],
  ): Promise<Pick<MediaRow, 'tenant_id' | 'id'>[]> {
    return this.db
      .selectFrom('media')
      .select(['tenant_id', 'id'])
      .where('status', '=', 'processing')
      .where('updated_at', '<', updatedBefore)
      .where((eb) => eb.or([eb('live_status', 'is', null), eb('live_status', '!=', 'active')]))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('jobs')
              .select('jobs.id')
              .where(
                'jobs.idempotency_key',
                'in',
                keySuffixes.map((suffix) => sql<string>`${keyPrefix} || media.id || ${suffix}`),
              )
              .where('jobs.state', 'in', ['available', 'running', 'retrying']),
          ),
        ),
      )
      .orderBy('updated_at')
      .limit(limit)
      .execute();
  }

  /**
   * Moves a media's original from one of the tiers `from` to `to` (media/lifecycle/original-tier.ts
   * decides which moves are allowed); undefined when the media is gone or in another tier.
   */
  async setOriginalTier(
    tenantId: string,
    id: string,
    from: readonly OriginalTier[],
    to: OriginalTier,
    at: number,
    /** Only while no unfinished job's key is `keyPrefix + media id + suffix` (media-job-keys.ts). */
    unlessJobs?: { keyPrefix: string; keySuffixes: readonly string[] },
  ): Promise<MediaRow | undefined> {
    let update = this.db
      .updateTable('media')
      .set({ original_tier: to, original_tier_at: at })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('original_tier', 'in', [...from]);
    if (unlessJobs) {
      update = update.where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('jobs')
              .select('jobs.id')
              .where(
                'jobs.idempotency_key',
                'in',
                unlessJobs.keySuffixes.map(
                  (suffix) => sql<string>`${unlessJobs.keyPrefix} || ${id} || ${suffix}`,
                ),
              )
              .where('jobs.state', 'in', ['available', 'running', 'retrying']),
          ),
        ),
      );
    }
    const written = await update.executeTakeFirst();
    return written.numUpdatedRows > 0n ? this.get(tenantId, id) : undefined;
  }

  /**
   * Originals for the cold tier, oldest first: those left `cooling` (a move that stopped), then
   * ready media whose original has been hot since before `hotBefore`, with no unfinished job that
   * reads it (keys `keyPrefix + media id + suffix`, media-job-keys.ts).
   */
  listColdCandidates(
    hotBefore: number,
    limit: number,
    keyPrefix: string,
    keySuffixes: readonly string[],
  ): Promise<Pick<MediaRow, 'tenant_id' | 'id' | 'source_key' | 'original_tier'>[]> {
    return this.db
      .selectFrom('media')
      .select(['tenant_id', 'id', 'source_key', 'original_tier'])
      .where('source_key', 'is not', null)
      .where((eb) =>
        eb.or([
          eb('original_tier', '=', 'cooling'),
          eb.and([
            eb('original_tier', '=', 'hot'),
            eb('status', '=', 'ready'),
            eb(eb.fn.coalesce('original_tier_at', 'created_at'), '<', hotBefore),
          ]),
        ]),
      )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('jobs')
              .select('jobs.id')
              .where(
                'jobs.idempotency_key',
                'in',
                keySuffixes.map((suffix) => sql<string>`${keyPrefix} || media.id || ${suffix}`),
              )
              .where('jobs.state', 'in', ['available', 'running', 'retrying']),
          ),
        ),
      )
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** The storage keys of a tenant's originals. */
  async sourceKeys(tenantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('media')
      .select('source_key')
      .where('tenant_id', '=', tenantId)
      .where('source_key', 'is not', null)
      .execute();
    return rows.flatMap((r) => (r.source_key ? [r.source_key] : []));
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('media')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
