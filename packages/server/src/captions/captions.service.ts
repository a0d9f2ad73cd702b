import type { CaptionStatus, CaptionTrackRow, MediaRow } from '../db/schema.ts';
import { trackChanges } from './track-changes.ts';
import { ApiError, notFound } from '../http/problem.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { newId, randomToken } from '../lib/ids.ts';
import { storageLayout } from '../storage/storage-layout.ts';
import type { MediaRepository } from '../media/media.repository.ts';
import type { Storage } from '../storage/storage.ts';
import { recordEvent } from '../events/record-event.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { CaptionsError, type CaptionFormat } from './caption-cue.ts';
import type { CaptionsRepository } from './captions.repository.ts';
import { trackEventData } from './captions.json.ts';
import {
  MAX_CAPTION_BYTES,
  type CaptionFormatName,
  type TrackChanges,
  type TrackFields,
} from './captions.schemas.ts';
import { normalizeCaptions, type NormalizedCaptions } from './normalize-captions.ts';
import { readText } from './stored-text.ts';

type MediaLookup = Pick<MediaRepository, 'get'>;

/** A caption file as a client sent it. */
export interface CaptionFile {
  bytes: Uint8Array;
  format?: CaptionFormatName | undefined;
}

/** Where a revision of a track is stored: under its media (removed with it), never overwritten. */
export const captionKey = (row: Pick<CaptionTrackRow, 'tenant_id' | 'media_id' | 'id'>, revision: number) =>
  storageLayout.captionKey(
    row.tenant_id,
    row.media_id,
    row.id,
    revision,
    randomToken(6).replace(/[^A-Za-z0-9]/g, 'x'),
  );

/** The language's name for itself ("Deutsch" for de), the label a track gets when none is given. */
export function defaultLabel(language: string): string {
  try {
    const name = new Intl.DisplayNames([language], { type: 'language' }).of(language);
    return name ? name.charAt(0).toLocaleUpperCase(language) + name.slice(1) : language;
  } catch {
    return language;
  }
}

/**
 * Caption tracks of media: validated and normalised to WebVTT, stored through the Storage port,
 * their cues indexed for search, and announced with `media.captions.ready`.
 *
 * A stored file is never changed: a replacement is written under a new key first, then the row
 * points to it, then the old file goes. A failed change removes what it wrote.
 */
export class CaptionsService {
  constructor(
    private readonly deps: {
      captions: CaptionsRepository;
      media: MediaLookup;
      transaction: UnitOfWork;
      storage: Storage;
      queue: JobQueue<KinoJobCatalog>;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async list(tenantId: string, mediaId: string): Promise<CaptionTrackRow[]> {
    await this.mediaOf(tenantId, mediaId);
    return this.deps.captions.list(tenantId, mediaId);
  }

  async get(tenantId: string, mediaId: string, trackId: string): Promise<CaptionTrackRow> {
    const track = await this.deps.captions.get(tenantId, mediaId, trackId);
    if (!track) throw notFound('caption track');
    return track;
  }

  /** The normalised WebVTT of a track. */
  async content(tenantId: string, mediaId: string, trackId: string): Promise<string> {
    const track = await this.get(tenantId, mediaId, trackId);
    return readText(this.deps.storage, track.storage_key);
  }

  async add(
    tenantId: string,
    mediaId: string,
    fields: TrackFields,
    file: CaptionFile,
    from:
      | { source: 'upload' }
      | { source: 'extracted'; stream: number }
      | { source: 'asr'; engine: string; model: string; status: CaptionStatus } = { source: 'upload' },
  ): Promise<CaptionTrackRow> {
    await this.mediaOf(tenantId, mediaId);
    const normalized = normalize(file);
    const now = this.now();
    const id = newId('cap', now);
    const key = captionKey({ tenant_id: tenantId, media_id: mediaId, id }, 1);
    await this.store(key, normalized.vtt);
    try {
      return await this.deps.transaction(async (repos) => {
        await this.mediaOf(tenantId, mediaId, repos.media);
        const track = await repos.captions.create(
          {
            id,
            tenant_id: tenantId,
            media_id: mediaId,
            language: fields.language,
            label: fields.label ?? defaultLabel(fields.language),
            kind: fields.kind,
            is_default: fields.default ? 1 : 0,
            source: from.source,
            source_stream: from.source === 'extracted' ? from.stream : null,
            ...(from.source === 'asr' && { engine: from.engine, model: from.model, status: from.status }),
            revision: 1,
            storage_key: key,
            cue_count: normalized.cues.length,
            created_at: now,
            updated_at: now,
          },
          normalized.cues,
        );
        if (fields.default) await repos.captions.clearDefaults(mediaId, id);
        await this.announce(repos, track);
        return track;
      });
    } catch (err) {
      await this.forget(key);
      throw err;
    } finally {
      trackChanges.record();
    }
  }

  /** Changes a track's fields and, with a file, its content (a new revision). */
  async replace(
    tenantId: string,
    mediaId: string,
    trackId: string,
    changes: TrackChanges,
    file?: CaptionFile,
  ): Promise<CaptionTrackRow> {
    const track = await this.get(tenantId, mediaId, trackId);
    const normalized = file ? normalize(file) : null;
    const revision = normalized ? track.revision + 1 : track.revision;
    const key = normalized ? captionKey(track, revision) : track.storage_key;
    if (normalized) await this.store(key, normalized.vtt);
    let updated: CaptionTrackRow;
    try {
      updated = await this.deps.transaction(async (repos) => {
        const row = await repos.captions.update(
          track,
          track.revision,
          {
            ...(changes.status !== undefined && { status: changes.status }),
            ...(changes.language !== undefined && { language: changes.language }),
            ...(changes.label !== undefined && { label: changes.label }),
            ...(changes.kind !== undefined && { kind: changes.kind }),
            ...(changes.default !== undefined && { is_default: changes.default ? 1 : 0 }),
            ...(normalized && { revision, storage_key: key, cue_count: normalized.cues.length }),
            updated_at: this.now(),
          },
          normalized?.cues,
        );
        if (!row) throw new ApiError('conflict', 'the track was changed or deleted meanwhile; try again');
        if (changes.default) await repos.captions.clearDefaults(mediaId, trackId);
        await this.announce(repos, row);
        return row;
      });
    } catch (err) {
      if (normalized) await this.forget(key);
      throw err;
    }
    trackChanges.record();
    if (normalized) await this.forget(track.storage_key);
    return updated;
  }

  async delete(tenantId: string, mediaId: string, trackId: string): Promise<void> {
    const deleted = await this.deps.captions.delete(tenantId, mediaId, trackId);
    if (!deleted) throw notFound('caption track');
    trackChanges.record();
    await this.forget(deleted.storage_key);
  }

  /**
   * Adds a track extracted from subtitle stream `stream` of the media's source, unless that stream
   * became a track before (processing again keeps the track and whatever was changed in it).
   */
  async addExtracted(
    media: Pick<MediaRow, 'tenant_id' | 'id'>,
    stream: number,
    fields: TrackFields,
    vtt: Uint8Array,
  ): Promise<CaptionTrackRow | null> {
    if (await this.deps.captions.getExtracted(media.id, stream)) return null;
    // The source's default stream does not take the place of a default chosen through the API.
    const tracks = await this.deps.captions.list(media.tenant_id, media.id);
    const isDefault = fields.default && !tracks.some((t) => t.is_default === 1);
    return this.add(
      media.tenant_id,
      media.id,
      { ...fields, default: isDefault },
      { bytes: vtt, format: 'vtt' },
      { source: 'extracted', stream },
    );
  }

  /**
   * Stores what a speech recogniser made of a media: it replaces the media's machine draft when
   * there is one (a new revision), else becomes a new track. Published tracks, human or machine,
   * are never touched.
   */
  async addGenerated(
    media: Pick<MediaRow, 'tenant_id' | 'id'>,
    language: string,
    vtt: string,
    made: { engine: string; model: string; status: CaptionStatus },
  ): Promise<CaptionTrackRow> {
    const file = { bytes: Buffer.from(vtt, 'utf8'), format: 'vtt' as const };
    const draft = await this.deps.captions.getAsrDraft(media.tenant_id, media.id);
    if (draft) {
      const row = await this.replace(
        media.tenant_id,
        media.id,
        draft.id,
        { language, status: made.status },
        file,
      );
      if (row.engine === made.engine && row.model === made.model) return row;
      return this.deps.transaction(async (repos) => {
        const updated = await repos.captions.update(row, row.revision, {
          engine: made.engine,
          model: made.model,
        });
        return updated ?? row;
      });
    }
    return this.add(
      media.tenant_id,
      media.id,
      { language, kind: 'subtitles', default: false, label: `${defaultLabel(language)} (automatic)` },
      file,
      { source: 'asr', ...made },
    );
  }

  private async mediaOf(
    tenantId: string,
    mediaId: string,
    media: MediaLookup = this.deps.media,
  ): Promise<void> {
    if (!(await media.get(tenantId, mediaId))) throw notFound('media');
  }

  private async store(key: string, vtt: string): Promise<void> {
    await this.deps.storage.put(key, Buffer.from(vtt, 'utf8'), { contentType: 'text/vtt; charset=utf-8' });
  }

  /** A file no row points to (any more). Left behind if storage fails now; it goes with its media. */
  private async forget(key: string): Promise<void> {
    await this.deps.storage.delete(key).catch(() => undefined);
  }

  private announce(repos: Repositories, track: CaptionTrackRow) {
    return recordEvent(
      repos,
      this.deps.queue,
      {
        tenantId: track.tenant_id,
        type: 'media.captions.ready',
        data: { mediaId: track.media_id, track: trackEventData(track) },
      },
      this.now(),
    );
  }
}

/** A client's file as WebVTT, or the 400 (or 413) that says what is wrong with it. */
function normalize(file: CaptionFile): NormalizedCaptions {
  if (file.bytes.length > MAX_CAPTION_BYTES) {
    throw new ApiError('too_large', `a caption file is at most ${MAX_CAPTION_BYTES} bytes`, {
      limit: MAX_CAPTION_BYTES,
    });
  }
  const format: CaptionFormat | undefined = file.format === 'dfxp' ? 'ttml' : file.format;
  try {
    return normalizeCaptions(file.bytes, format);
  } catch (err) {
    if (!(err instanceof CaptionsError)) throw err;
    throw new ApiError('invalid_captions', err.message, { line: err.line });
  }
}
