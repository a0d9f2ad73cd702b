import type { Repositories, UnitOfWork } from '../db/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { ApiError } from '../http/problem.ts';
import { mediaPrefix, processingKey } from './media-jobs.ts';
import type { MediaRow } from '../db/schema.ts';
import { notFound } from '../http/problem.ts';
import { decodeCursor, toPage } from '../lib/cursor.ts';
import { newId } from '../lib/ids.ts';
import type { CreateMediaInput, ListMediaQuery, UpdateMediaInput } from './media.schemas.ts';

export class MediaService {
  constructor(
    private readonly repos: Pick<Repositories, 'media' | 'uploads'>,
    private readonly transaction: UnitOfWork,
    private readonly queue: JobQueue<KinoJobCatalog>,
    private readonly now: () => number = Date.now,
  ) {}

  create(tenantId: string, input: CreateMediaInput): Promise<MediaRow> {
    const now = this.now();
    return this.repos.media.create({
      id: newId('med', now),
      tenant_id: tenantId,
      title: input.title ?? '',
      description: input.description ?? '',
      tags: JSON.stringify(input.tags ?? []),
      visibility: input.visibility ?? 'public',
      status: 'waiting',
      playable: 0,
      duration_seconds: null,
      width: null,
      height: null,
      error_code: null,
      error_message: null,
      created_at: now,
      updated_at: now,
    });
  }

  async get(tenantId: string, id: string): Promise<MediaRow> {
    const row = await this.repos.media.get(tenantId, id);
    if (!row) throw notFound('media');
    return row;
  }

  async list(tenantId: string, query: ListMediaQuery) {
    const rows = await this.repos.media.list(tenantId, {
      limit: query.limit,
      after: query.cursor ? decodeCursor(query.cursor) : undefined,
      status: query.status,
      search: query.q,
    });
    return toPage(rows, query.limit);
  }

  async update(tenantId: string, id: string, input: UpdateMediaInput): Promise<MediaRow> {
    const row = await this.repos.media.update(tenantId, id, {
      ...(input.title !== undefined && { title: input.title }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.tags !== undefined && { tags: JSON.stringify(input.tags) }),
      ...(input.visibility !== undefined && { visibility: input.visibility }),
      updated_at: this.now(),
    });
    if (!row) throw notFound('media');
    return row;
  }

  /** Deletes the media and, in the same transaction, schedules the removal of its stored files. */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.transaction(async (repos) => {
      const media = await repos.media.get(tenantId, id);
      if (!media || !(await repos.media.delete(tenantId, id))) throw notFound('media');
      const source = media.source_key;
      await this.queue.enqueue(repos, {
        type: 'media.remove-files',
        payload: {
          prefix: mediaPrefix(tenantId, id),
          keys: source ? [source, `${source}.json`, `${source}.info`] : [],
        },
        tenantId,
      });
    });
  }

  /** Processes the original again; the current version keeps playing until the new one is published. */
  async reprocess(tenantId: string, id: string): Promise<MediaRow> {
    return this.transaction(async (repos) => {
      const media = await repos.media.get(tenantId, id);
      if (!media) throw notFound('media');
      if (!media.source_key) throw new ApiError('conflict', 'the media has no source yet');
      const { created } = await this.queue.enqueue(repos, {
        type: 'media.process',
        payload: { tenantId, mediaId: id },
        tenantId,
        idempotencyKey: processingKey(id),
      });
      if (!created) throw new ApiError('conflict', 'the media is already being processed');
      const updated = await repos.media.update(tenantId, id, {
        status: 'processing',
        error_code: null,
        error_message: null,
        updated_at: this.now(),
      });
      if (!updated) throw notFound('media');
      return updated;
    });
  }
}
