import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import type { MediaRow } from '../db/schema.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import { PermanentJobError } from '../jobs/job-errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { JobContext } from '../jobs/job-registry.ts';
import type { Storage } from '../storage/storage.ts';
import { failAttempt, publishVersion } from '../media/lifecycle/media-lifecycle.ts';
import { TransitionRefusedError } from '../media/lifecycle/media-transitions.ts';
import { failpoint } from '../lib/failpoints.ts';
import { eachConcurrently } from './concurrency.ts';
import { MEDIA_TIME_OFFSET_SECONDS, outputs } from './ffmpeg-commands.ts';
import { localSource } from './local-source.ts';
import { prepareWorkdir, sourceInWorkdir } from './media-sandbox.ts';
import { planProcessing, playableRungs, type ProcessingPlan, type VideoRung } from './plan.ts';
import { audioRendition } from './audio-rendition.ts';
import { attemptPrefix, removeUnpublishedLater } from './unpublished-versions.ts';
import { summarize, type PlaybackIndex, type PublishedRendition } from '../media/playback-index.ts';
import { readSource } from './probe-file.ts';
import type { SourceCaptions } from './source-captions-port.ts';
import { MediaRejectedError } from './probe.ts';
import { avcCodecString, parseFfmpegPlaylist } from './rendition-index.ts';
import { processingLimits, type ToolLimits } from './tool-limits.ts';
import { MAX_SESSION_GRACE_SECONDS, MAX_TOKEN_SECONDS } from '../media/playback-limits.ts';

export interface ProcessDeps {
  repos: Pick<Repositories, 'media'>;
  storage: Storage;
  queue: JobQueue<KinoJobCatalog>;
  /** Publishing a version and scheduling the removal of the one it replaces are one transaction. */
  transaction: UnitOfWork;
  /** Local folder for per-attempt work files. */
  workRoot: string;
  now?: () => number;
  /** Makes caption tracks of the source's text subtitle streams. */
  captions?: SourceCaptions;
}

/**
 * How long replaced versions stay readable for players that loaded them: the longest a playback
 * session can last, a token's longest lifetime plus a session's grace (media/playback-limits.ts).
 */
export const OLD_VERSION_GRACE_MS = (MAX_TOKEN_SECONDS + MAX_SESSION_GRACE_SECONDS) * 1000;

export type MediaPayload = { tenantId: string; mediaId: string };

/** What every processing step starts from: the media, its source in a work folder, and its plan. */
export interface PreparedSource {
  media: MediaRow;
  workdir: string;
  source: string;
  plan: ProcessingPlan;
  /** The demuxer ffprobe chose for the source; later runs force it. */
  demuxer: string;
  /** Derived from the source (processingLimits), as the encode's timeout is (job-timeouts.ts). */
  limits: ToolLimits;
  /** The storage prefix this attempt writes its version under. */
  prefix: string;
}

/**
 * Runs `step` over the media's source in a fresh work folder (the attempt's own), probed and
 * planned, and removes the folder after. A step that fails on its last attempt, or for a reason
 * another attempt cannot change, leaves the media `errored`, unless a complete version of it is
 * published (a reprocess that failed): that one keeps playing, see recordFailure.
 */
export async function withPreparedSource(
  deps: ProcessDeps,
  ctx: JobContext<MediaPayload>,
  step: (prepared: PreparedSource, progress: Progress) => Promise<void>,
): Promise<void> {
  const media = await deps.repos.media.get(ctx.payload.tenantId, ctx.payload.mediaId);
  if (!media) throw new PermanentJobError('the media was deleted');
  if (!media.source_key) throw new PermanentJobError('the media has no source');
  const workdir = path.join(deps.workRoot, `${ctx.job.id}-${ctx.job.attempt}`);
  // Earlier attempts of this job that ended without publishing (their worker killed) left files.
  const earlier = Array.from({ length: ctx.job.attempt - 1 }, (_, i) =>
    attemptPrefix(media, ctx.job.id, i + 1),
  );
  await removeUnpublishedLater(deps, media, earlier, OLD_VERSION_GRACE_MS);
  await fs.mkdir(workdir, { recursive: true });
  const progress = forwardProgress(ctx);
  try {
    prepareWorkdir(workdir);
    const stored = await localSource(deps.storage, media.source_key, workdir, ctx.signal);
    const source = await sourceInWorkdir(stored, workdir);
    progress(1, 'reading the source');
    const { probe, keyframes, inputs } = await readSource(source, workdir, ctx.signal, {
      closedCaptions: ctx.job.type !== 'media.process',
    });
    const plan = planProcessing(probe, keyframes, {
      ...inputs,
      normalizeLoudness: media.normalize_loudness === 1,
    });
    const limits = processingLimits(
      {
        durationSeconds: probe.durationSeconds,
        sizeBytes: probe.sizeBytes ?? media.source_size ?? 0,
        pixels: probe.video ? probe.video.width * probe.video.height : 0,
        frameRate: probe.video?.frameRate ?? null,
        maxOutputKbps: Math.max(0, ...(plan.video?.rungs.map((r) => r.bitrateKbps) ?? [])),
        encodedRungPixels: plan.video?.rungs.filter((r) => !r.copy).map((r) => r.width * r.height) ?? [],
      },
      os.availableParallelism(),
    );
    const prefix = attemptPrefix(media, ctx.job.id, ctx.job.attempt);
    await step({ media, workdir, source, plan, demuxer: probe.demuxer, limits, prefix }, progress);
  } catch (err) {
    await recordFailure(deps, ctx, media, err);
    const latest = await deps.repos.media.get(media.tenant_id, media.id);
    if (latest) {
      const own = attemptPrefix(media, ctx.job.id, ctx.job.attempt);
      await removeUnpublishedLater(deps, latest, [own], OLD_VERSION_GRACE_MS);
    }
    throw err;
  } finally {
    await fs.rm(workdir, { recursive: true, force: true });
  }
}

async function recordFailure(
  deps: ProcessDeps,
  ctx: JobContext<MediaPayload>,
  media: MediaRow,
  err: unknown,
) {
  if (ctx.signal.aborted && !(err instanceof PermanentJobError)) return;
  const last = ctx.job.attempt >= ctx.job.max_attempts;
  const rejected = err instanceof MediaRejectedError;
  if (!rejected && !last && !(err instanceof PermanentJobError)) return;
  const code = rejected ? err.code : 'processing_failed';
  const message = rejected ? err.message : 'Processing failed after several attempts.';
  await deps.transaction(async (repos) => {
    const current = await repos.media.get(media.tenant_id, media.id);
    if (current?.status !== 'processing') return;
    await failAttempt({ repos, queue: deps.queue, now: nowOf(deps) }, current, {
      code,
      message,
      messageIfKept: `Reprocessing failed; the previous version keeps playing. ${message}`,
    });
  });
}

export type Progress = (percent: number, message: string) => void;

/** Progress reported from steps running side by side, never going backwards. */
function forwardProgress(ctx: JobContext<MediaPayload>): Progress {
  let shown = 0;
  return (percent, message) => {
    if (percent < shown) return;
    shown = percent;
    ctx.progress(percent, message);
  };
}

/** Files published at once, each a stream into storage. */
const UPLOADS_AT_ONCE = 4;

/** Stores files of the work folder under the version's prefix, each once. */
export function versionUploader(storage: Storage, prefix: string, workdir: string) {
  const uploaded = new Set<string>();
  return (files: readonly string[]) =>
    eachConcurrently(
      files.filter((file) => !uploaded.has(file)),
      UPLOADS_AT_ONCE,
      async (file) => {
        await storage.put(prefix + file, createReadStream(path.join(workdir, file)));
        uploaded.add(file);
      },
    );
}

export async function buildIndex(
  workdir: string,
  plan: ProcessingPlan,
  opts: { onlyCopy: boolean; loudnessLufs?: number | null },
): Promise<PlaybackIndex> {
  const renditions: PublishedRendition[] = [];
  // The first version has what instantArgs made: the copied source, or the fast first rung.
  const rungs = opts.onlyCopy ? playableRungs(plan) : (plan.video?.rungs ?? []);
  for (const rung of rungs) renditions.push(await videoRendition(workdir, rung, plan));
  for (const track of plan.audio ? [plan.audio, ...plan.alternateAudio] : []) {
    renditions.push(await audioRendition(workdir, track, opts.loudnessLufs ?? null));
  }
  const present = new Set(await fs.readdir(workdir));
  const sheets = [...present]
    .filter((f) => /^storyboard-\d+\.jpg$/.test(f))
    .sort((a, b) => sheetNo(a) - sheetNo(b));
  const sb = plan.storyboard;
  return {
    durationSeconds: plan.durationSeconds,
    renditions,
    poster: !opts.onlyCopy && present.has(outputs.poster) ? outputs.poster : null,
    storyboard:
      !opts.onlyCopy && sb && sheets.length
        ? {
            sheets,
            intervalSeconds: sb.intervalSeconds,
            tileWidth: sb.tileWidth,
            tileHeight: sb.tileHeight,
            columns: sb.columns,
            perSheet: sb.columns * sb.rows,
            count: sb.count,
          }
        : null,
    download: !opts.onlyCopy && present.has(outputs.download) ? outputs.download : null,
  };
}

const sheetNo = (file: string) => Number(/(\d+)/.exec(file)?.[1] ?? 0);

/** A written rung as the index publishes it: its byte-range index and codec string. */
export async function videoRendition(
  workdir: string,
  rung: VideoRung,
  plan: ProcessingPlan,
): Promise<PublishedRendition> {
  const index = parseFfmpegPlaylist(await fs.readFile(path.join(workdir, outputs.videoIndex(rung)), 'utf8'));
  const handle = await fs.open(path.join(workdir, outputs.video(rung)));
  try {
    const init = Buffer.alloc(index.initLength);
    await handle.read(init, 0, index.initLength, 0);
    return {
      id: `video-${rung.name}`,
      kind: 'video',
      file: outputs.video(rung),
      codec: avcCodecString(init),
      width: rung.width,
      height: rung.height,
      frameRate: plan.video?.frameRate ?? null,
      index,
      timeOffsetSeconds: MEDIA_TIME_OFFSET_SECONDS,
      ...(plan.video?.closedCaptions && { closedCaptions: true }),
    };
  } finally {
    await handle.close();
  }
}

/**
 * One update makes a version what players get; the replaced one is removed after a grace period.
 * A media deleted meanwhile gets nothing: the version's files are removed and the job ends.
 */
export async function publish(
  deps: ProcessDeps,
  media: MediaRow,
  prefix: string,
  indexFile: string,
  index: PlaybackIndex,
  opts: { ready: boolean },
  now: number,
): Promise<void> {
  await deps.storage.put(prefix + indexFile, Buffer.from(JSON.stringify(index)), {
    contentType: 'application/json',
  });
  const top = index.renditions.find((r) => r.kind === 'video');
  // One transaction: the row names the new version, its events and quota are recorded with it,
  // and the replaced one's removal is scheduled for when no player can still be reading it.
  const published = await deps.transaction(async (repos) => {
    const current = await repos.media.get(media.tenant_id, media.id);
    if (!current) return undefined;
    const version = {
      prefix,
      indexFile,
      renditions: JSON.stringify(summarize(index)),
      durationSeconds: index.durationSeconds,
      width: top?.width ?? null,
      height: top?.height ?? null,
      complete: opts.ready,
    };
    await publishVersion({ repos, queue: deps.queue, now }, current, version).catch((err: unknown) => {
      // The media moved on meanwhile (ready by another attempt, or waiting again): nothing to publish.
      throw err instanceof TransitionRefusedError ? new PermanentJobError(err.message, { cause: err }) : err;
    });
    const replaced = current.playback_prefix;
    if (replaced && replaced !== prefix) {
      await deps.queue.enqueue(repos, {
        type: 'media.remove-files',
        payload: { prefix: replaced, keys: [] },
        tenantId: media.tenant_id,
        runAt: now + OLD_VERSION_GRACE_MS,
      });
    }
    failpoint('publish.before-commit');
    return current;
  });
  failpoint('publish.after-commit');
  if (!published) {
    await deps.storage.deletePrefix(prefix);
    throw new PermanentJobError('the media was deleted while it was processed');
  }
}

const nowOf = (deps: Pick<ProcessDeps, 'now'>) => deps.now?.() ?? Date.now();
