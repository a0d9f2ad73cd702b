import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataStore } from '@tus/utils';
import type { RecordingPartRow } from '../db/schema.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { failRecording, storeSource } from '../media/lifecycle/media-lifecycle.ts';
import { prepareWorkdir } from '../processing/media-sandbox.ts';
import { MediaToolError, runMediaTool } from '../processing/media-tools.ts';
import { MediaRejectedError } from '../processing/probe.ts';
import { probeFile } from '../processing/probe-file.ts';
import { demuxerOf } from '../processing/input-format.ts';
import { PROBE_LIMITS } from '../processing/tool-limits.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { storageLayout } from '../storage/storage-layout.ts';
import type { Storage } from '../storage/storage.ts';
import {
  commonShape,
  concatArgs,
  containerProbeArgs,
  concatList,
  normalizeArgs,
  pictureInPictureArgs,
  repairArgs,
  sameShape,
  type PartShape,
} from './recording-commands.ts';

export interface RecordingJoinDeps {
  repos: Repositories;
  transaction: UnitOfWork;
  storage: Storage;
  queue: JobQueue<KinoJobCatalog>;
  workRoot: string;
  /** The tus store, to close parts whose client never declared their length. */
  datastore: Pick<DataStore, 'getUpload' | 'declareUploadLength' | 'write'>;
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

/** A track joined into one file of the work folder. */
interface JoinedTrack {
  file: string;
  shape: PartShape;
  durationSeconds: number;
}

const gone = (err: unknown) => {
  const status = (err as { status_code?: unknown } | null)?.status_code;
  return status === 404 || status === 410;
};

/**
 * `recording.join`: a completed recording's parts become its media's original. Parts the client
 * never closed are closed at the bytes that arrived; each part is repaired (remuxed: indexes
 * written, a broken tail dropped); a track's parts are joined in part order (re-encoded only when
 * they differ); a camera and a screen are composed into one picture (the camera in a corner).
 * The result is stored as an original and handed to processing like any upload.
 */
export function recordingJoinHandler(
  deps: RecordingJoinDeps,
): JobHandler<{ tenantId: string; recordingId: string }> {
  const log = deps.log ?? (() => undefined);
  return async ({ job, payload, signal }) => {
    const recording = await deps.repos.recordings.get(payload.tenantId, payload.recordingId);
    if (recording?.status !== 'joining') return;
    const parts = await deps.repos.recordings.listParts(recording.id);
    for (const part of parts) if (part.completed_at === null) await closePart(part);

    const workdir = path.join(deps.workRoot, `${job.id}-${job.attempt}`);
    await fs.mkdir(workdir, { recursive: true });
    try {
      const tracks = new Map<string, JoinedTrack>();
      const names = [...new Set(parts.map((p) => p.track))];
      for (const track of names) {
        const usable = (await deps.repos.recordings.listParts(recording.id)).filter(
          (p) => p.track === track && (p.size ?? 0) > 0,
        );
        const joined = await joinTrack(track, usable, workdir, signal);
        if (joined) tracks.set(track, joined);
      }
      const final = await compose(tracks, workdir, signal);
      const media = await deps.repos.media.get(recording.tenant_id, recording.media_id);
      if (!final) {
        await deps.transaction(async (repos) => {
          if (!(await repos.recordings.moveStatus(recording.id, 'joining', 'failed'))) return;
          const current = await repos.media.get(recording.tenant_id, recording.media_id);
          if (current?.status === 'waiting') {
            await failRecording({ repos, queue: deps.queue, now: deps.queue.now() }, current, {
              code: 'corrupt_media',
              message: 'No part of the recording could be read.',
            });
          }
        });
        return;
      }
      if (!media) return;
      const key = `upl_${recording.id.replace(/^rec_/, '')}`;
      const stored = await deps.storage.put(key, createReadStream(final), { sha256: true });
      await deps.transaction(async (repos) => {
        if (!(await repos.recordings.moveStatus(recording.id, 'joining', 'completed'))) return;
        await storeSource(
          { repos, queue: deps.queue, now: deps.queue.now() },
          {
            tenantId: recording.tenant_id,
            mediaId: recording.media_id,
            key,
            size: stored.size,
            filename: 'recording.mkv',
            sha256: stored.sha256,
          },
        );
      });
      // The parts are in the original now; their own bytes go (a failure leaves them for a retry).
      for (const part of parts) {
        for (const k of storageLayout.uploadKeys(part.upload_id)) {
          await deps.storage.delete(k).catch((err: unknown) => {
            log('could not remove a recording part', { err, key: k });
          });
        }
      }
    } finally {
      await fs.rm(workdir, { recursive: true, force: true });
    }
  };

  /** A part whose client stopped before declaring its length ends at the bytes that arrived. */
  async function closePart(part: RecordingPartRow): Promise<void> {
    const upload = await deps.datastore.getUpload(part.upload_id).catch((err: unknown) => {
      if (gone(err)) return undefined;
      throw err;
    });
    const offset = upload?.offset ?? 0;
    if (upload && offset > 0 && upload.size === undefined) {
      await deps.datastore.declareUploadLength(part.upload_id, offset);
      // A write of nothing at the end lets the store finish the upload (S3 completes its multipart upload).
      await deps.datastore.write(Readable.from([]), part.upload_id, offset);
    }
    await deps.repos.recordings.completePart(part.upload_id, offset, deps.queue.now());
  }

  async function joinTrack(
    track: string,
    parts: RecordingPartRow[],
    workdir: string,
    signal: AbortSignal,
  ): Promise<JoinedTrack | undefined> {
    const repaired: { file: string; shape: PartShape; duration: number }[] = [];
    for (const part of parts) {
      const input = path.join(workdir, `${track}-${part.part}.in`);
      const fixed = path.join(workdir, `${track}-${part.part}.mkv`);
      const { body } = await deps.storage.get(part.upload_id);
      await pipeline(body, createWriteStream(input), { signal });
      prepareWorkdir(workdir);
      try {
        const container = await runMediaTool('ffprobe', containerProbeArgs(input), {
          signal,
          workdir,
          limits: PROBE_LIMITS,
        });
        const demuxer = demuxerOf(
          (JSON.parse(container) as { format?: { format_name?: string } }).format?.format_name ?? '',
        );
        if (demuxer === null)
          throw new MediaRejectedError('unsupported_media', 'not a recording part Kino reads');
        await runMediaTool('ffmpeg', repairArgs(input, demuxer, fixed), { signal, workdir });
        const after = await probeFile(fixed, { signal, workdir });
        const audio = after.audio[0];
        const shape: PartShape = {
          video: after.video && {
            codec: after.video.codec,
            width: after.video.width,
            height: after.video.height,
          },
          audio: audio
            ? { codec: audio.codec, sampleRate: audio.sampleRate, channels: audio.channels }
            : null,
        };
        if (!shape.video && !shape.audio) continue;
        repaired.push({ file: fixed, shape, duration: after.durationSeconds });
      } catch (err) {
        // A part nothing can be read from (its first bytes were lost) is left out; the others join.
        if (!(err instanceof MediaRejectedError) && !(err instanceof MediaToolError)) throw err;
        log('a recording part could not be read', { err, track, part: part.part });
      } finally {
        await fs.rm(input, { force: true });
      }
    }
    if (repaired.length === 0) return undefined;
    const shapes = repaired.map((r) => r.shape);
    let files = repaired.map((r) => r.file);
    let shape = shapes[0] as PartShape;
    if (!sameShape(shapes)) {
      shape = commonShape(shapes);
      const normalized: string[] = [];
      for (const [i, file] of files.entries()) {
        const out = path.join(workdir, `${track}-n${i}.mkv`);
        await runMediaTool('ffmpeg', normalizeArgs(file, shape, out), { signal, workdir, background: true });
        normalized.push(out);
      }
      files = normalized;
    }
    const durationSeconds = repaired.reduce((sum, r) => sum + r.duration, 0);
    if (files.length === 1) return { file: files[0] as string, shape, durationSeconds };
    const list = path.join(workdir, `${track}.txt`);
    const entries = files.map((f, i) => ({
      name: path.basename(f),
      durationSeconds: repaired[i]?.duration ?? 0,
    }));
    await fs.writeFile(list, concatList(entries));
    const out = path.join(workdir, `${track}.joined.mkv`);
    await runMediaTool('ffmpeg', concatArgs(list, out), { signal, workdir });
    return { file: out, shape, durationSeconds };
  }

  async function compose(
    tracks: Map<string, JoinedTrack>,
    workdir: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const camera = tracks.get('camera');
    const screen = tracks.get('screen');
    if (camera?.shape.video && screen?.shape.video) {
      const output = path.join(workdir, 'composed.mkv');
      const soundFrom = camera.shape.audio ? 'camera' : screen.shape.audio ? 'screen' : null;
      await runMediaTool(
        'ffmpeg',
        pictureInPictureArgs({
          screen: screen.file,
          camera: camera.file,
          screenWidth: screen.shape.video.width,
          soundFrom,
          output,
        }),
        { signal, workdir, background: true },
      );
      return output;
    }
    return (screen ?? camera ?? tracks.get('audio') ?? [...tracks.values()][0])?.file;
  }
}
