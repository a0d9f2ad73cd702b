import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { ApiError } from '../http/problem.ts';
import { encodingKey } from './media-job-keys.ts';
import { assertWithinQuota } from './quotas.ts';
import type { MediaRow } from '../db/schema.ts';
import type { MediaJsonRow } from './media.json.ts';
import { notFound } from '../http/problem.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { newId } from '../lib/ids.ts';
import {
  createImporting,
  createWaiting,
  startReprocess,
  storeSource,
  type LifecycleTx,
  type NewMedia,
  type StoredOriginal,
} from './lifecycle/media-lifecycle.ts';
import { deleteMedia } from './lifecycle/media-deletion.ts';
import { needsRestore, requestRestore } from './lifecycle/original-tier.ts';
import { titleFromUrl } from './media-title.ts';
import { maxUploadBytes } from './upload-limit.ts';
import type { CreateMediaInput, ListMediaQuery, MediaFields, UpdateMediaInput } from './media.schemas.ts';

export class MediaService {
  constructor(
    private readonly repos: Pick<Repositories, 'media' | 'uploads' | 'tenants' | 'quotas'>,
    private readonly transaction: UnitOfWork,
    private readonly queue: JobQueue<KinoJobCatalog>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A media waiting for an upload, or, with `input.url`, one whose import is enqueued with it. */
  async create(tenantId: string, input: CreateMediaInput): Promise<MediaRow> {
    const url = input.input?.url;
    if (url === undefined) return createWaiting(this.repos, this.newRow(tenantId, input));
    await assertWithinQuota(this.repos.quotas, tenantId, { bytes: 0, minutes: 0 });
    return this.transaction((repos) =>
      createImporting(
        this.lifecycle(repos),
        this.newRow(tenantId, { ...input, title: input.title ?? titleFromUrl(url) }),
        { url, sourceKey: newId('upl') },
      ),
    );
  }

  /** A media whose original is already stored (a form upload): it goes straight to processing. */
  async createWithOriginal(
    tenantId: string,
    fields: MediaFields,
    original: Omit<StoredOriginal, 'tenantId' | 'mediaId'>,
  ): Promise<MediaRow> {
    const row = this.newRow(tenantId, fields);
    await assertWithinQuota(this.repos.quotas, tenantId, { bytes: original.size, minutes: 0 });
    return this.transaction(async (repos) => {
      await createWaiting(repos, row);
      const created = await storeSource(this.lifecycle(repos), { ...original, tenantId, mediaId: row.id });
      if (!created) throw notFound('media');
      return created;
    });
  }

  /** The largest original this tenant may add. */
  maxUploadBytes(tenantId: string): Promise<number> {
    return maxUploadBytes(this.repos, tenantId);
  }

  private newRow(
    tenantId: string,
    fields: MediaFields & { normalizeLoudness?: boolean | undefined },
  ): NewMedia {
    const now = this.now();
    return {
      id: newId('med', now),
      tenant_id: tenantId,
      title: fields.title ?? '',
      description: fields.description ?? '',
      tags: JSON.stringify(fields.tags ?? []),
      visibility: fields.visibility ?? 'public',
      playable: 0,
      duration_seconds: null,
      width: null,
      height: null,
      error_code: null,
      error_message: null,
      ...(fields.normalizeLoudness && { normalize_loudness: 1 }),
      created_at: now,
      updated_at: now,
    };
  }

  async get(tenantId: string, id: string): Promise<MediaRow> {
    const row = await this.repos.media.get(tenantId, id);
    if (!row) throw notFound('media');
    return row;
  }

  /** A media as the API shows it (the columns its JSON needs). */
  async view(tenantId: string, id: string): Promise<MediaJsonRow> {
    const row = await this.repos.media.view(tenantId, id);
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
    // One transaction: the fields and the search text computed from them land together.
    const row = await this.transaction((repos) =>
      repos.media.update(tenantId, id, {
        ...(input.title !== undefined && { title: input.title }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.tags !== undefined && { tags: JSON.stringify(input.tags) }),
        ...(input.visibility !== undefined && { visibility: input.visibility }),
        updated_at: this.now(),
      }),
    );
    if (!row) throw notFound('media');
    return row;
  }

  /**
   * Deletes the media at any stage and, in the same transaction, cancels its unfinished jobs
   * (import, processing) and schedules the removal of everything it stored: versions and caption
   * files, the original, a partial tus upload (its S3 multipart upload too), and what a cancelled
   * import was writing.
   */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.transaction(async (repos) => {
      const media = await repos.media.get(tenantId, id);
      if (!media) throw notFound('media');
      await deleteMedia(this.lifecycle(repos), media);
    });
  }

  /**
   * Processes the original again; the current version keeps playing until the new one is
   * published. A cold original is restored first (the media shows `original.tier` restoring)
   * and the reprocess starts when it is back.
   */
  async reprocess(tenantId: string, id: string): Promise<MediaRow> {
    return this.transaction(async (repos) => {
      const media = await repos.media.get(tenantId, id);
      if (!media) throw notFound('media');
      if (!media.source_key) throw new ApiError('conflict', 'the media has no source yet');
      if (await repos.jobs.unfinishedWithKey(encodingKey(id))) {
        throw new ApiError('conflict', 'the media is already being processed');
      }
      await assertWithinQuota(repos.quotas, tenantId, { minutes: (media.duration_seconds ?? 0) / 60 });
      if (needsRestore(media)) return requestRestore(this.lifecycle(repos), media, { reprocess: true });
      const { media: updated, started } = await startReprocess(this.lifecycle(repos), media);
      if (!started) throw new ApiError('conflict', 'the media is already being processed');
      return updated;
    });
  }

  private lifecycle(repos: Repositories): LifecycleTx {
    return { repos, queue: this.queue, now: this.now() };
  }
}
