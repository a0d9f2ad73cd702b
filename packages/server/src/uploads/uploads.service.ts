import { waitingMediaRow } from '../media/waiting-media.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { UploadRow } from '../db/schema.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { ApiError, notFound } from '../http/problem.ts';
import { newId } from '../lib/ids.ts';
import { createWaiting, storeSource } from '../media/lifecycle/media-lifecycle.ts';
import { assertWithinQuota } from '../media/quotas.ts';
import { maxUploadBytes } from '../media/upload-limit.ts';
import type { UploadMetadata } from './upload-metadata.ts';

/** What a creation request resolved to, before any byte is stored. */
export interface UploadPlan {
  tenantId: string;
  mediaId: string;
  /** The media is created with the upload; otherwise it is a waiting media of the tenant. */
  newMedia: boolean;
  size: number;
  metadata: UploadMetadata;
  /** The largest upload the tenant accepts (the size was checked against it). */
  maxBytes: number;
}

export class UploadsService {
  constructor(
    private readonly deps: {
      repos: Pick<Repositories, 'tenants' | 'media' | 'uploads' | 'quotas'>;
      transaction: UnitOfWork;
      queue: JobQueue<KinoJobCatalog>;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  maxUploadBytes(tenantId: string): Promise<number> {
    return maxUploadBytes(this.deps.repos, tenantId);
  }

  /** Checks a creation request: size within the tenant's limit, and a named media waiting for bytes. */
  async plan(tenantId: string, size: number, metadata: UploadMetadata): Promise<UploadPlan> {
    const limit = await this.maxUploadBytes(tenantId);
    if (size > limit) {
      throw new ApiError('too_large', `the file is ${size} bytes; this tenant accepts up to ${limit}`, {
        limit,
      });
    }
    await assertWithinQuota(this.deps.repos.quotas, tenantId, { bytes: size, minutes: 0 });
    if (metadata.mediaId === undefined) {
      return { tenantId, mediaId: newId('med', this.now()), newMedia: true, size, metadata, maxBytes: limit };
    }
    const media = await this.deps.repos.media.get(tenantId, metadata.mediaId);
    if (!media) throw notFound('media');
    if (media.status !== 'waiting') {
      throw new ApiError('conflict', `media ${media.id} already has its source (it is ${media.status})`);
    }
    return { tenantId, mediaId: media.id, newMedia: false, size, metadata, maxBytes: limit };
  }

  /** Records a created upload, and the media it fills when that is new, together. */
  create(plan: UploadPlan, uploadId: string): Promise<UploadRow> {
    const now = this.now();
    return this.deps.transaction(async (repos) => {
      if (plan.newMedia) {
        await createWaiting(
          repos,
          waitingMediaRow({
            id: plan.mediaId,
            tenantId: plan.tenantId,
            title: plan.metadata.title ?? titleFromFilename(plan.metadata.filename),
            visibility: plan.metadata.visibility ?? 'public',
            now,
          }),
        );
      }
      return repos.uploads.create({
        id: uploadId,
        tenant_id: plan.tenantId,
        media_id: plan.mediaId,
        size: plan.size,
        filename: plan.metadata.filename ?? null,
        created_at: now,
        completed_at: null,
      });
    });
  }

  /** The tenant's upload, or 404: one tenant never touches another's upload. */
  async authorize(tenantId: string, uploadId: string): Promise<UploadRow> {
    const upload = await this.deps.repos.uploads.get(uploadId);
    if (upload?.tenant_id !== tenantId) throw notFound('upload');
    return upload;
  }

  /**
   * A terminated (or expired) upload is gone: its row goes, and the media it was filling stays
   * `waiting`, so another upload can still fill it.
   */
  forget(uploadId: string): Promise<void> {
    return this.deps.repos.uploads.delete(uploadId);
  }

  /**
   * The last byte arrived: the media moves to `processing` and its ingest is enqueued, in one
   * transaction. Seeing the same finish twice changes nothing. `known` is the upload's row when the
   * caller has it already (what it names never changes), which saves reading it again.
   */
  finish(uploadId: string, known?: UploadRow): Promise<void> {
    const now = this.now();
    return this.deps.transaction(async (repos) => {
      const upload = known?.id === uploadId ? known : await repos.uploads.get(uploadId);
      if (!upload || !(await repos.uploads.markCompleted(uploadId, now))) return;
      const { tenant_id: tenantId, media_id: mediaId, id: key, size, filename } = upload;
      await storeSource({ repos, queue: this.deps.queue, now }, { tenantId, mediaId, key, size, filename });
    });
  }
}

function titleFromFilename(filename: string | undefined): string {
  if (!filename) return '';
  const base = filename.split(/[\\/]/).pop() ?? filename;
  return base.replace(/\.[A-Za-z0-9]{1,5}$/, '');
}
