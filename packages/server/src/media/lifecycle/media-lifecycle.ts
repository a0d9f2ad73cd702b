import type { Repositories } from '../../repositories/repositories.ts';
import type { MediaRow, MediaRowUpdate, NewMediaRow } from '../../db/schema.ts';
import { recordEvent } from '../../events/record-event.ts';
import type { EventType } from '../../events/event-types.ts';
import type { KinoJobCatalog } from '../../jobs/catalog.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import { processTimeoutMs } from '../attempt-timeouts.ts';
import { importKey, liveRecordKey, processingKey } from '../media-job-keys.ts';
import { isFullyPublished } from '../media-versions.ts';
import { mediaEventData } from './media-event-data.ts';
import { nextStatus, type MediaTransition } from './media-transitions.ts';

/**
 * The caller's transaction: the lifecycle writes the new state, the jobs it starts, the quota it
 * uses and the events it announces with these repositories, so all of them land or none does.
 */
export interface LifecycleTx {
  repos: Pick<
    Repositories,
    'media' | 'jobs' | 'events' | 'webhooks' | 'quotas' | 'uploads' | 'captionSettings'
  >;
  queue: JobQueue<KinoJobCatalog>;
  now: number;
}

/** A media's original, complete in storage. */
export interface StoredOriginal {
  tenantId: string;
  mediaId: string;
  /** The storage key of the bytes: an `upl_` id at the storage root, whoever wrote them. */
  key: string;
  size: number;
  filename: string | null;
  /** Lowercase hex, when the writer computed it; processing fills it in otherwise. */
  sha256?: string | undefined;
}

/** A version about to become what players get (see processing-steps.ts publish). */
export interface PublishedVersion {
  prefix: string;
  indexFile: string;
  renditions: string;
  durationSeconds: number;
  width: number | null;
  height: number | null;
  /** The complete version: the media becomes ready. */
  complete: boolean;
}

export type NewMedia = Omit<NewMediaRow, 'status'>;

/** A media born waiting for its source (an upload, an upload URL not used yet). */
export function createWaiting(repos: Pick<Repositories, 'media'>, row: NewMedia): Promise<MediaRow> {
  return repos.media.create({ ...row, status: 'waiting' });
}

/** A media born importing: `processing` with no source while its import job fetches it. */
export async function createImporting(
  tx: LifecycleTx,
  row: NewMedia,
  source: { url: string; sourceKey: string },
): Promise<MediaRow> {
  const created = await tx.repos.media.create({ ...row, status: 'processing' });
  await tx.queue.enqueue(tx.repos, {
    type: 'media.import',
    payload: { tenantId: row.tenant_id, mediaId: row.id, url: source.url, sourceKey: source.sourceKey },
    tenantId: row.tenant_id,
    idempotencyKey: importKey(row.id),
  });
  return created;
}

/**
 * The one step from "the original is stored" to "processing": the media records its source, its
 * processing job is enqueued and `upload.completed` announced. The idempotency key keeps a
 * repeated call to one processing job. Undefined when the media is gone.
 */
export async function storeSource(tx: LifecycleTx, original: StoredOriginal): Promise<MediaRow | undefined> {
  const media = await tx.repos.media.get(original.tenantId, original.mediaId);
  if (!media) return undefined;
  const updated = await move(tx, media, 'source-stored', {
    source_key: original.key,
    source_size: original.size,
    source_filename: original.filename,
    ...(original.sha256 !== undefined && { source_sha256: original.sha256 }),
    error_code: null,
    error_message: null,
  });
  await tx.queue.enqueue(tx.repos, {
    type: 'media.process',
    payload: { tenantId: original.tenantId, mediaId: original.mediaId },
    tenantId: original.tenantId,
    idempotencyKey: processingKey(original.mediaId),
    timeoutMs: processTimeoutMs(original.size),
  });
  await announce(tx, 'upload.completed', updated);
  return updated;
}

/**
 * A media born by a live broadcast: processing and playable from its live segments while it runs
 * (`live_status` active), announced as playable at once.
 */
export async function createBroadcast(tx: LifecycleTx, row: NewMedia & { live_stream_id: string }) {
  const created = await tx.repos.media.create({
    ...row,
    status: 'processing',
    playable: 1,
    live_status: 'active',
  });
  await announce(tx, 'media.playable', created);
  return created;
}

/**
 * The broadcast is over: it plays as VOD from its live segments at once (`live_status` ended) and
 * `recordJob` assembles its original, which then takes the usual processing. Without a recording
 * the caller deletes the media instead.
 */
export async function endBroadcast(
  tx: LifecycleTx,
  media: MediaRow,
  durationSeconds: number,
): Promise<MediaRow> {
  const ended = await move(tx, media, 'broadcast-ended', {
    live_status: 'ended',
    duration_seconds: durationSeconds,
  });
  await tx.queue.enqueue(tx.repos, {
    type: 'live.record',
    payload: { tenantId: media.tenant_id, mediaId: media.id },
    tenantId: media.tenant_id,
    idempotencyKey: liveRecordKey(media.id),
  });
  return ended;
}

/** An import that had failed runs again (its job retried by hand). */
export function restartImport(tx: LifecycleTx, media: MediaRow): Promise<MediaRow> {
  return move(tx, media, 'import-restarted', { error_code: null, error_message: null });
}

/**
 * Makes `version` what players get. The first playable version announces `media.playable`, the
 * complete one `media.ready` and counts the tenant's processed minutes, in this transaction: a
 * retry after the commit finds the version published and publishes nothing again.
 */
export async function publishVersion(
  tx: LifecycleTx,
  media: MediaRow,
  version: PublishedVersion,
): Promise<MediaRow> {
  const published = await move(tx, media, version.complete ? 'version-completed' : 'version-published', {
    playback_prefix: version.prefix,
    playback_index: version.indexFile,
    renditions: version.renditions,
    playable: 1,
    duration_seconds: version.durationSeconds,
    width: version.width,
    height: version.height,
    ...(version.complete && { error_code: null, error_message: null }),
  });
  if (media.playable !== 1) {
    await announce(tx, 'media.playable', published);
    await startAutomaticCaptions(tx, published);
  }
  if (version.complete) {
    await announce(tx, 'media.ready', published);
    await tx.repos.quotas.addProcessed(media.tenant_id, version.durationSeconds * 1000);
  }
  return published;
}

/** Machine captions for a media that just became playable, when its tenant wants them (low priority). */
async function startAutomaticCaptions(tx: LifecycleTx, media: MediaRow): Promise<void> {
  const settings = await tx.repos.captionSettings.get(media.tenant_id);
  if (settings.autoCaptions === 'off') return;
  await tx.queue.enqueue(tx.repos, {
    type: 'captions.generate',
    payload: { tenantId: media.tenant_id, mediaId: media.id, language: media.language ?? settings.language },
    tenantId: media.tenant_id,
    idempotencyKey: `media:${media.id}:captions.generate`,
  });
}

/**
 * Processing or an import failed for good. A media with a complete version (a reprocess that
 * failed) stays ready with that version playing and the failure in its `error`; any other ends
 * `errored` and announces `media.errored`.
 */
export async function failAttempt(
  tx: LifecycleTx,
  media: MediaRow,
  error: { code: string; message: string; messageIfKept: string },
  transition: 'attempt-failed' | 'stuck-reconciled' = 'attempt-failed',
): Promise<MediaRow> {
  const kept = isFullyPublished(media);
  const updated = await move(tx, media, transition, {
    error_code: error.code,
    error_message: kept ? error.messageIfKept : error.message,
  });
  if (!kept) await announce(tx, 'media.errored', updated);
  return updated;
}

/** The original is processed again; the current version keeps playing until a new one is published. */
export async function startReprocess(
  tx: LifecycleTx,
  media: MediaRow,
): Promise<{ media: MediaRow; started: boolean }> {
  const { created } = await tx.queue.enqueue(tx.repos, {
    type: 'media.process',
    payload: { tenantId: media.tenant_id, mediaId: media.id },
    tenantId: media.tenant_id,
    idempotencyKey: processingKey(media.id),
    timeoutMs: processTimeoutMs(media.source_size ?? 0),
  });
  if (!created) return { media, started: false };
  return {
    media: await move(tx, media, 'reprocess-started', { error_code: null, error_message: null }),
    started: true,
  };
}

/**
 * A recording's client finished it, or it was abandoned (`recovered`): the media keeps waiting
 * while its parts are joined, and remembers whether it was completed as it was.
 */
export function completeRecording(tx: LifecycleTx, media: MediaRow, recovered: boolean): Promise<MediaRow> {
  return move(tx, media, 'recording-completed', { recovered: recovered ? 1 : 0 });
}

/** A recording whose parts give no source (none arrived, none readable) ends errored. */
export async function failRecording(
  tx: LifecycleTx,
  media: MediaRow,
  error: { code: string; message: string },
): Promise<MediaRow> {
  const updated = await move(tx, media, 'recording-failed', {
    error_code: error.code,
    error_message: error.message,
  });
  await announce(tx, 'media.errored', updated);
  return updated;
}

/** Writes the status `transition` leads to (refusing one that is not allowed) with `changes`. */
async function move(
  tx: LifecycleTx,
  media: MediaRow,
  transition: MediaTransition,
  changes: Omit<MediaRowUpdate, 'status' | 'updated_at'>,
): Promise<MediaRow> {
  const status = nextStatus(stateOf(media), transition);
  if (status === 'deleted') throw new Error('deletion goes through deleteMedia');
  const updated = await tx.repos.media.transition(media.tenant_id, media.id, {
    ...changes,
    status,
    updated_at: tx.now,
  });
  if (!updated) throw new MediaGoneError(media.id);
  return updated;
}

function stateOf(media: MediaRow) {
  return {
    status: media.status,
    hasSource: media.source_key !== null,
    fullyPublished: isFullyPublished(media),
  };
}

function announce(tx: LifecycleTx, type: EventType, media: MediaRow) {
  return recordEvent(
    tx.repos,
    tx.queue,
    { tenantId: media.tenant_id, type, data: mediaEventData(media) },
    tx.now,
  );
}

/** The media was deleted while the caller held it. */
export class MediaGoneError extends Error {
  constructor(readonly mediaId: string) {
    super(`media ${mediaId} was deleted`);
  }
}
