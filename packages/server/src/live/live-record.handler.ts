import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { storeSource } from '../media/lifecycle/media-lifecycle.ts';
import { runMediaTool } from '../processing/media-tools.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { Storage } from '../storage/storage.ts';
import { storageLayout } from '../storage/storage-layout.ts';
import { parseTracks, type LiveTrack } from './live-tracks.ts';
import { concatList, joinArgs, periodMuxArgs } from './recording-command.ts';

export interface LiveRecordDeps {
  repos: Pick<Repositories, 'media' | 'liveSegments'>;
  transaction: UnitOfWork;
  queue: JobQueue<KinoJobCatalog>;
  storage: Storage;
  workRoot: string;
}

/** The original of a broadcast's media: one key per media, so a retry writes the same object. */
export const recordingKey = (mediaId: string) => `upl_live${mediaId.slice(mediaId.indexOf('_') + 1)}`;

/**
 * A broadcast that ended becomes an original like any upload: each period's segments are joined
 * into fragmented MP4 files (their bytes as stored), muxed, the periods concatenated (no encode
 * when they agree), stored, and handed to the lifecycle's `storeSource`, after which the usual
 * processing makes the poster, storyboard, MP4 and ladder. It plays from its live segments meanwhile.
 */
export function liveRecordHandler(deps: LiveRecordDeps): JobHandler<{ tenantId: string; mediaId: string }> {
  return async ({ job, payload, signal, progress }) => {
    const { tenantId, mediaId } = payload;
    const media = await deps.repos.media.get(tenantId, mediaId);
    if (!media || media.source_key !== null || media.live_status !== 'ended') return;
    const workdir = path.join(deps.workRoot, `${job.id}-${job.attempt}`);
    await fs.mkdir(workdir, { recursive: true });
    try {
      const periods = (await deps.repos.liveSegments.periods(mediaId))
        .map((p) => ({ period: p.period, tracks: parseTracks(p.tracks) }))
        .filter((p) => p.tracks.length > 0);
      const files: string[] = [];
      const shapes: string[] = [];
      let size: { width: number; height: number } | null = null;
      for (const p of periods) {
        signal.throwIfAborted();
        const video = pickVideo(p.tracks);
        const audio = p.tracks.find((t) => t.kind === 'audio') ?? null;
        const parts: Record<'video' | 'audio', string | null> = { video: null, audio: null };
        for (const track of [video, audio]) {
          if (!track) continue;
          const file = path.join(workdir, `p${p.period}-${track.id}.mp4`);
          if (await writeTrack(deps, tenantId, mediaId, p.period, track, file)) parts[track.kind] = file;
        }
        if (!parts.video && !parts.audio) continue;
        const out = path.join(workdir, `p${p.period}.mp4`);
        await runMediaTool('ffmpeg', periodMuxArgs(parts.video, parts.audio, out), { workdir, signal });
        files.push(out);
        shapes.push([video?.codecs, video?.width, video?.height, audio?.codecs].join('/'));
        if (video?.width && video.height) size ??= { width: video.width, height: video.height };
        progress(Math.round((files.length / periods.length) * 60), 'joining the broadcast');
      }
      let original = files[0];
      if (original === undefined) throw new Error('the broadcast has no segment to record');
      if (files.length > 1) {
        const list = path.join(workdir, 'periods.txt');
        await fs.writeFile(list, concatList(files.map((f) => path.basename(f))));
        original = path.join(workdir, 'broadcast.mp4');
        const uniform = new Set(shapes).size === 1;
        await runMediaTool('ffmpeg', joinArgs(path.basename(list), path.basename(original), uniform, size), {
          workdir,
          signal,
          background: !uniform,
        });
      }
      const key = recordingKey(mediaId);
      const stat = await fs.stat(original);
      const stored = await deps.storage.put(key, createReadStream(original), {
        size: stat.size,
        sha256: true,
        contentType: 'video/mp4',
      });
      await deps.transaction((repos) =>
        storeSource(
          { repos, queue: deps.queue, now: deps.queue.now() },
          { tenantId, mediaId, key, size: stored.size, filename: 'broadcast.mp4', sha256: stored.sha256 },
        ),
      );
    } finally {
      await fs.rm(workdir, { recursive: true, force: true });
    }
  };
}

function pickVideo(tracks: readonly LiveTrack[]): LiveTrack | null {
  const videos = tracks.filter((t) => t.kind === 'video');
  return videos.sort((a, b) => (b.height ?? 0) - (a.height ?? 0))[0] ?? null;
}

/** A track of one period as one fragmented MP4: its init segment, then every segment in order. */
async function writeTrack(
  deps: LiveRecordDeps,
  tenantId: string,
  mediaId: string,
  period: number,
  track: LiveTrack,
  file: string,
): Promise<boolean> {
  const segments = (await deps.repos.liveSegments.segments(mediaId, track.id)).filter(
    (s) => s.period === period,
  );
  if (segments.length === 0) return false;
  const out = await fs.open(file, 'w');
  try {
    const keys = [
      storageLayout.liveInitKey(tenantId, mediaId, period, track.id),
      ...segments.map((s) => storageLayout.liveSegmentKey(tenantId, mediaId, period, track.id, s.seq)),
    ];
    for (const key of keys) {
      const object = await deps.storage.get(key);
      for await (const chunk of object.body) await out.write(chunk as Buffer);
    }
  } finally {
    await out.close();
  }
  return true;
}
