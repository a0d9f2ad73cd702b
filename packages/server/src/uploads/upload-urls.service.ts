import { waitingMediaRow } from '../media/waiting-media.ts';
import { createWaiting } from '../media/lifecycle/media-lifecycle.ts';
import { createHash } from 'node:crypto';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { ApiError, notFound } from '../http/problem.ts';
import { newId, randomToken } from '../lib/ids.ts';
import { assertWithinQuota } from '../media/quotas.ts';
import type { UploadUrlRow } from './upload-urls.repository.ts';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../media/upload-limit.ts';

export const DEFAULT_UPLOAD_URL_SECONDS = 3600;
export const MAX_UPLOAD_URL_SECONDS = 7 * 24 * 3600;

export interface NewUploadUrl {
  expiresInSeconds: number;
  maxSizeBytes?: number | undefined;
  allowedOrigin?: string | undefined;
  title?: string | undefined;
  visibility?: 'public' | 'private' | undefined;
}

export interface CreatedUploadUrl {
  row: UploadUrlRow;
  /** Shown once: only its hash is stored. */
  token: string;
}

/** Tokens carry 256 random bits, so a fast hash is enough to keep them out of the database. */
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * One-time direct upload URLs: a tenant key makes one (and the waiting media it fills), a
 * browser uses it as its tus endpoint without any key. It creates one upload, before it expires,
 * of at most its size, from its origin; that upload is then reached through the same URL.
 */
export class UploadUrlsService {
  constructor(
    private readonly deps: {
      repos: Pick<Repositories, 'tenants' | 'uploadUrls' | 'uploads' | 'quotas'>;
      transaction: UnitOfWork;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async create(tenantId: string, input: NewUploadUrl): Promise<CreatedUploadUrl> {
    const tenant = await this.deps.repos.tenants.get(tenantId);
    const limit = tenant?.max_upload_bytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    const maxSize = input.maxSizeBytes ?? limit;
    if (maxSize > limit) {
      throw new ApiError('invalid_request', `maxSizeBytes is above this tenant's upload limit (${limit})`, {
        limit,
      });
    }
    await assertWithinQuota(this.deps.repos.quotas, tenantId, { bytes: 0, minutes: 0 });
    const now = this.now();
    const token = randomToken(32);
    const row: UploadUrlRow = {
      id: newId('uur', now),
      tenant_id: tenantId,
      media_id: newId('med', now),
      token_hash: hashToken(token),
      max_size_bytes: maxSize,
      allowed_origin: input.allowedOrigin ?? null,
      expires_at: now + input.expiresInSeconds * 1000,
      created_at: now,
      upload_id: null,
    };
    await this.deps.transaction(async (repos) => {
      await createWaiting(
        repos,
        waitingMediaRow({
          id: row.media_id,
          tenantId,
          title: input.title ?? '',
          visibility: input.visibility ?? 'public',
          now,
        }),
      );
      await repos.uploadUrls.create(row);
    });
    return { row, token };
  }

  /** The URL a token names, from an allowed origin; 404 for a token that names nothing. */
  async resolve(token: string, origin: string | undefined): Promise<UploadUrlRow> {
    const row = await this.deps.repos.uploadUrls.byTokenHash(hashToken(token));
    if (!row) throw notFound('upload URL');
    // Browsers always send Origin on these requests; other clients (a CLI) send none.
    if (row.allowed_origin !== null && origin !== undefined && origin !== row.allowed_origin) {
      throw new ApiError('origin_not_allowed', 'this upload URL may only be used from its allowed origin');
    }
    return row;
  }

  /** Refuses a creation this URL does not allow: a second one, an expired URL, a file above its size. */
  checkCreation(url: UploadUrlRow, size: number): void {
    if (url.upload_id !== null) {
      throw new ApiError('upload_url_used', 'this upload URL has already created its upload');
    }
    if (url.expires_at <= this.now()) throw new ApiError('upload_url_expired', 'this upload URL has expired');
    if (size > url.max_size_bytes) {
      const limit = url.max_size_bytes;
      throw new ApiError('too_large', `the file is ${size} bytes; this upload URL accepts up to ${limit}`, {
        limit,
      });
    }
  }

  /** Takes the URL's one creation for `uploadId`; of two concurrent requests, one gets it. */
  async claim(url: UploadUrlRow, uploadId: string): Promise<void> {
    if (!(await this.deps.repos.uploadUrls.claim(url.id, uploadId, this.now()))) {
      throw new ApiError('upload_url_used', 'this upload URL has already created its upload');
    }
  }

  /** Gives a claim back when no upload came of it, so the browser can try again. */
  async unclaim(url: UploadUrlRow, uploadId: string): Promise<void> {
    if (await this.deps.repos.uploads.get(uploadId)) return;
    await this.deps.repos.uploadUrls.unclaim(url.id, uploadId);
  }

  /** The upload this URL created: any other id is not found through it. */
  assertOwnUpload(url: UploadUrlRow, uploadId: string): void {
    if (url.upload_id !== uploadId) throw notFound('upload');
  }
}
