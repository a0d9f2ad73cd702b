import path from 'node:path';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import { PermanentJobError } from '../jobs/job-errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { JobContext, JobHandler, PayloadOf } from '../jobs/job-registry.ts';
import { failAttempt, restartImport, storeSource } from '../media/lifecycle/media-lifecycle.ts';
import { maxUploadBytes } from '../media/upload-limit.ts';
import type { Storage } from '../storage/storage.ts';
import { failpoint } from '../lib/failpoints.ts';
import { isImportError } from './import-error.ts';
import type { DownloadOptions } from './resumable-download.ts';
import { importFromUrl } from './url-import.ts';

/** What an operator or a test may tune about how imports reach their sources. */
export type ImportFetchOptions = Pick<
  DownloadOptions,
  'resolver' | 'route' | 'ca' | 'retries' | 'retryDelay' | 'idleTimeoutMs' | 'connectTimeoutMs'
>;

export interface ImportMediaDeps {
  repos: Pick<Repositories, 'media' | 'tenants'>;
  transaction: UnitOfWork;
  storage: Storage;
  queue: JobQueue<KinoJobCatalog>;
  /** Local folder for the temporary copy of each import. */
  workRoot: string;
  /** KINO_IMPORT_ALLOW_PRIVATE: let imports reach loopback and private addresses. */
  allowPrivate: boolean;
  /** The whole download, resumes included. Default 2 hours (the job allows 4 with storing). */
  timeoutMs?: number;
  fetch?: ImportFetchOptions;
  now?: () => number;
}

type Payload = PayloadOf<KinoJobCatalog, 'media.import'>;

export const DEFAULT_IMPORT_TIMEOUT_MS = 2 * 3600_000;

/**
 * Fetches a media's original from its URL into storage, then starts processing exactly as a
 * finished upload does. Every attempt writes the same storage key, and the step to processing
 * happens once (the media's source_key says it did), so a retried import never leaves two
 * originals nor enqueues processing twice. A refusal (404, a private address, not media, too
 * large) ends the media `errored` at once; a failure that may pass (5xx, a lost connection after
 * its resumes) is retried with the job's backoff and ends the media `errored` on the last attempt.
 */
export function importMediaHandler(deps: ImportMediaDeps): JobHandler<Payload> {
  const now = () => deps.now?.() ?? Date.now();
  return async (ctx) => {
    const { tenantId, mediaId, url, sourceKey } = ctx.payload;
    const media = await deps.repos.media.get(tenantId, mediaId);
    if (!media) {
      // Deleted while an earlier attempt may have stored the original: nothing references it.
      await deps.storage.delete(sourceKey);
      throw new PermanentJobError('the media was deleted');
    }
    // An earlier attempt stored the original and moved on; processing owns the media now.
    if (media.source_key !== null) return;
    if (media.status === 'errored') {
      // A job retried by hand starts again at attempt 1. A later attempt that finds the media
      // errored follows an attempt whose failure committed (media.errored announced) but whose
      // worker died before the job recorded it: that failure stands, and is not announced again.
      if (ctx.job.attempt > 1) {
        throw new PermanentJobError('an earlier attempt of this job already ended the import');
      }
      // The job was retried by hand after the import had failed: the media is importing again.
      await deps.transaction(async (repos) => {
        const current = await repos.media.get(tenantId, mediaId);
        if (current?.status === 'errored')
          await restartImport({ repos, queue: deps.queue, now: now() }, current);
      });
    }

    let stored;
    try {
      stored = await importFromUrl(
        url,
        (file) => deps.storage.put(sourceKey, file.open(), { size: file.size, sha256: true }),
        {
          ...deps.fetch,
          tempDir: path.join(deps.workRoot, 'imports'),
          allowPrivate: deps.allowPrivate,
          maxBytes: await maxUploadBytes(deps.repos, tenantId),
          timeoutMs: deps.timeoutMs ?? DEFAULT_IMPORT_TIMEOUT_MS,
          signal: ctx.signal,
          onProgress: (bytes, total) => {
            if (total) ctx.progress((bytes / total) * 100, 'downloading');
          },
        },
      );
    } catch (err) {
      throw await recordFailure(deps, ctx, err, now());
    }

    const started = await deps.transaction(async (repos) => {
      const current = await repos.media.get(tenantId, mediaId);
      if (!current) return false;
      if (current.source_key !== null) return true;
      const original = { tenantId, mediaId, key: sourceKey, size: stored.stored.size };
      await storeSource(
        { repos, queue: deps.queue, now: now() },
        { ...original, filename: stored.filename ?? null, sha256: stored.stored.sha256 },
      );
      return true;
    });
    if (!started) {
      // Deleted while the file was on its way: nothing references the stored copy.
      await deps.storage.delete(sourceKey);
      throw new PermanentJobError('the media was deleted during the import');
    }
  };
}

/**
 * Ends the media `errored` when this failure is its last word (a refusal, or the last attempt),
 * and returns what the job system should see: a PermanentJobError for a refusal, so that it is
 * not retried. Messages come from ImportError, which keeps URL secrets out of them.
 */
async function recordFailure(
  deps: ImportMediaDeps,
  ctx: JobContext<Payload>,
  err: unknown,
  now: number,
): Promise<Error> {
  const error = err instanceof Error ? err : new Error(String(err));
  // Cancelled, timed out or shut down: the job system decides; the reconcile job catches leftovers.
  if (ctx.signal.aborted) return error;
  const permanent = isImportError(err) && !err.retryable;
  const last = ctx.job.attempt >= ctx.job.max_attempts;
  if (!permanent && !last) return error;
  const reason = isImportError(err) ? err.message : 'the file could not be stored';
  const message = permanent
    ? `The import failed: ${reason}.`
    : `The import failed after ${ctx.job.attempt} attempts: ${reason}.`;
  await deps.transaction(async (repos) => {
    const media = await repos.media.get(ctx.payload.tenantId, ctx.payload.mediaId);
    // Deleted meanwhile, or no longer importing (another attempt stored the original).
    if (media?.status !== 'processing' || media.source_key !== null) return;
    await failAttempt({ repos, queue: deps.queue, now }, media, {
      code: 'import_failed',
      message,
      messageIfKept: message,
    });
  });
  failpoint('import.after-failure-commit');
  return permanent ? new PermanentJobError(reason, { cause: err }) : error;
}
