import type { RecordingPartRow, RecordingRow, Visibility } from '../db/schema.ts';
import { ApiError, notFound } from '../http/problem.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { completeRecording, createWaiting, failRecording } from '../media/lifecycle/media-lifecycle.ts';
import { waitingMediaRow } from '../media/waiting-media.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';

export const RECORDING_TRACKS = ['camera', 'screen', 'audio'] as const;
export type RecordingTrack = (typeof RECORDING_TRACKS)[number];

/** The job that joins a recording's parts: one unfinished per recording. */
export const joinKey = (recordingId: string) => `recording:${recordingId}:join`;

export interface NewRecording {
  title?: string | undefined;
  visibility?: Visibility | undefined;
  tracks?: RecordingTrack[] | undefined;
  agentId?: string | undefined;
}

/** What a part's creation request names (Upload-Metadata recordingId, track, part). */
export interface PartRequest {
  recordingId: string;
  track: string;
  part: number;
}

/** A part creation Kino checked, before tus stores a byte. */
export interface PartPlan extends PartRequest {
  tenantId: string;
  mediaId: string;
}

const NO_PARTS = {
  code: 'recording_empty',
  message: 'The recording ended before any part of it reached the server.',
};

type Deps = {
  repos: Pick<Repositories, 'recordings' | 'media'>;
  transaction: UnitOfWork;
  queue: JobQueue<KinoJobCatalog>;
  now?: () => number;
};

/**
 * Recordings: a media born waiting whose source arrives in parts per track (tus uploads), joined
 * in order once the recording is completed by its client, or as it is after it was abandoned.
 */
export class RecordingsService {
  constructor(private readonly deps: Deps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async create(tenantId: string, input: NewRecording): Promise<RecordingRow> {
    const now = this.now();
    const tracks = input.tracks?.length ? [...new Set(input.tracks)] : ['camera'];
    return this.deps.transaction(async (repos) => {
      const media = await createWaiting(
        repos,
        waitingMediaRow({
          id: newId('med', now),
          tenantId,
          title: input.title ?? `Recording ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')}`,
          visibility: input.visibility ?? 'private',
          now,
        }),
      );
      return repos.recordings.create({
        id: newId('rec', now),
        tenant_id: tenantId,
        media_id: media.id,
        status: 'recording',
        tracks: JSON.stringify(tracks),
        recovered: 0,
        agent_id: input.agentId ?? null,
        created_at: now,
        last_byte_at: now,
        completed_at: null,
      });
    });
  }

  async get(tenantId: string, id: string): Promise<RecordingRow> {
    const row = await this.deps.repos.recordings.get(tenantId, id);
    if (!row) throw notFound('recording');
    return row;
  }

  parts(recordingId: string): Promise<RecordingPartRow[]> {
    return this.deps.repos.recordings.listParts(recordingId);
  }

  /**
   * Checks a part's creation: the tenant's recording, still recording, a track it has, a part
   * number after the track's last (a gap is fine, going back never is), a length that is not 0.
   */
  async planPart(tenantId: string, request: PartRequest, size: number | undefined): Promise<PartPlan> {
    const recording = await this.get(tenantId, request.recordingId);
    if (recording.status !== 'recording') {
      throw new ApiError(
        'recording_completed',
        `recording ${recording.id} is ${recording.status}: it takes no more parts`,
      );
    }
    const tracks = JSON.parse(recording.tracks) as string[];
    if (!tracks.includes(request.track)) {
      throw new ApiError(
        'invalid_request',
        `the recording has the tracks ${tracks.join(', ')}, not '${request.track}'`,
      );
    }
    if (size === 0)
      throw new ApiError('empty_part', 'a part of 0 bytes holds nothing: send it once it has bytes');
    const last = await this.deps.repos.recordings.lastPart(recording.id, request.track);
    assertNextPart(last, request.part);
    return { ...request, tenantId, mediaId: recording.media_id };
  }

  /** Records a created part; a concurrent creation of the same or a later part is refused. */
  createPart(plan: PartPlan, uploadId: string): Promise<RecordingPartRow> {
    const now = this.now();
    return this.deps.transaction(async (repos) => {
      assertNextPart(await repos.recordings.lastPart(plan.recordingId, plan.track), plan.part);
      await repos.recordings.touch(plan.recordingId, now);
      return repos.recordings.createPart({
        upload_id: uploadId,
        recording_id: plan.recordingId,
        tenant_id: plan.tenantId,
        track: plan.track,
        part: plan.part,
        size: null,
        created_at: now,
        completed_at: null,
      });
    });
  }

  /**
   * The tenant's part named by an upload id (undefined: not a part), or 404 for another tenant's.
   * Bytes for a recording that is no longer recording are refused: they would join nothing.
   */
  async authorizePart(
    tenantId: string,
    uploadId: string,
    writes: boolean,
  ): Promise<RecordingPartRow | undefined> {
    const part = await this.deps.repos.recordings.getPart(uploadId);
    if (!part) return undefined;
    if (part.tenant_id !== tenantId) throw notFound('upload');
    if (writes && part.completed_at === null) {
      const recording = await this.deps.repos.recordings.get(tenantId, part.recording_id);
      if (recording?.status !== 'recording') {
        throw new ApiError(
          'recording_completed',
          `recording ${part.recording_id} is completed: it takes no more bytes`,
        );
      }
    }
    return part;
  }

  /** Bytes of a part arrived: the recording is alive. */
  received(part: RecordingPartRow): Promise<void> {
    return this.deps.repos.recordings.touch(part.recording_id, this.now());
  }

  /** A part's last byte arrived. */
  async partFinished(uploadId: string, size: number): Promise<void> {
    await this.deps.repos.recordings.completePart(uploadId, size, this.now());
  }

  /**
   * Ends a recording: it stops taking parts, its media waits while a job joins the parts. A
   * recording completed twice answers as it is. `recovered`: completed by Kino after it was
   * abandoned, which also completes one without parts (errored) instead of refusing it.
   */
  complete(tenantId: string, id: string, opts: { recovered?: boolean } = {}): Promise<RecordingRow> {
    const now = this.now();
    const recovered = opts.recovered ?? false;
    return this.deps.transaction(async (repos) => {
      const recording = await repos.recordings.get(tenantId, id);
      if (!recording) throw notFound('recording');
      if (recording.status !== 'recording') return recording;
      const parts = await repos.recordings.listParts(id);
      const media = await repos.media.get(tenantId, recording.media_id);
      const tx = { repos, queue: this.deps.queue, now };
      if (parts.length === 0) {
        if (!recovered)
          throw new ApiError('recording_empty', 'the recording has no part yet: nothing to finish');
        await repos.recordings.moveStatus(id, 'recording', 'failed', { completed_at: now, recovered: 1 });
        if (media) await failRecording(tx, media, NO_PARTS);
        return { ...recording, status: 'failed', completed_at: now, recovered: 1 };
      }
      await repos.recordings.moveStatus(id, 'recording', 'joining', {
        completed_at: now,
        recovered: recovered ? 1 : 0,
      });
      if (media) await completeRecording(tx, media, recovered);
      await this.deps.queue.enqueue(repos, {
        type: 'recording.join',
        payload: { tenantId, recordingId: id },
        tenantId,
        idempotencyKey: joinKey(id),
      });
      return { ...recording, status: 'joining', completed_at: now, recovered: recovered ? 1 : 0 };
    });
  }

  /** Completes, as they are, recordings with no byte for `abandonAfterMs`. */
  async completeAbandoned(abandonAfterMs: number, signal?: AbortSignal): Promise<number> {
    const rows = await this.deps.repos.recordings.listAbandoned(this.now() - abandonAfterMs, 100);
    for (const row of rows) {
      signal?.throwIfAborted();
      await this.complete(row.tenant_id, row.id, { recovered: true });
    }
    return rows.length;
  }
}

function assertNextPart(last: number | undefined, part: number): void {
  if (last === undefined || part > last) return;
  if (part === last) {
    throw new ApiError(
      'part_exists',
      `part ${part} exists: resume its upload (HEAD its URL) instead of creating it again`,
    );
  }
  throw new ApiError(
    'part_out_of_order',
    `part ${part} comes before the track's last part ${last}: parts only go forward`,
  );
}
