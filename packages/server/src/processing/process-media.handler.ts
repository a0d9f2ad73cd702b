import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Repositories } from '../db/repositories.ts';
import type { MediaRow } from '../db/schema.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import { PermanentJobError } from '../jobs/job-errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { JobContext, JobHandler } from '../jobs/job-registry.ts';
import { sha256Of } from '../lib/sha256.ts';
import { joinKey } from '../storage/keys.ts';
import type { Storage } from '../storage/storage.ts';
import {
  MEDIA_TIME_OFFSET_SECONDS,
  audioArgs,
  downloadArgs,
  instantArgs,
  ladderArgs,
  outputs,
} from './ffmpeg-commands.ts';
import { alongside, eachConcurrently } from './concurrency.ts';
import { localSource } from './local-source.ts';
import type { PublishedRendition } from './manifests.ts';
import { runMediaTool } from './media-tools.ts';
import type { ProcessingPlan, VideoRung } from './plan.ts';
import { planProcessing } from './plan.ts';
import { summarize, type PlaybackIndex } from './playback-index.ts';
import { keyframeTimes, probeFile } from './probe-file.ts';
import { MediaRejectedError } from './probe.ts';
import { avcCodecString, parseFfmpegPlaylist } from './rendition-index.ts';
import type { MediaEventSink } from '../webhooks/media-events.ts';
import type { SourceCaptions } from '../captions/source-captions.ts';

export interface ProcessDeps {
  repos: Pick<Repositories, 'media'>;
  storage: Storage;
  queue: JobQueue<KinoJobCatalog>;
  /** Local folder for per-attempt work files. */
  workRoot: string;
  now?: () => number;
  /** Announces media.playable, media.ready and media.errored (webhooks). */
  events?: MediaEventSink;
  /** Makes caption tracks of the source's text subtitle streams. */
  captions?: SourceCaptions;
}

/** How long replaced versions stay readable for players that loaded them. */
export const OLD_VERSION_GRACE_MS = 6 * 3600 * 1000;

type Payload = { tenantId: string; mediaId: string };

/**
 * Makes a media streamable. When the source can pass through, its streams are repackaged and
 * published first (playable within about a second); then one ffmpeg run encodes the rest of the
 * ladder and the storyboard, and the full version is published.
 *
 * Idempotent by a fresh location: each attempt writes under its own version prefix and becomes
 * visible only through one update of the media row; an attempt that dies leaves files nobody
 * references, removed with the media.
 */
export function processMediaHandler(deps: ProcessDeps): JobHandler<Payload> {
  return async (ctx) => {
    const media = await deps.repos.media.get(ctx.payload.tenantId, ctx.payload.mediaId);
    if (!media) throw new PermanentJobError('the media was deleted');
    if (!media.source_key) throw new PermanentJobError('the media has no source');
    const workdir = path.join(deps.workRoot, `${ctx.job.id}-${ctx.job.attempt}`);
    await fs.mkdir(workdir, { recursive: true });
    try {
      await processInto(deps, ctx, media, media.source_key, workdir);
    } catch (err) {
      await recordFailure(deps, ctx, media, err);
      throw err;
    } finally {
      await fs.rm(workdir, { recursive: true, force: true });
    }
  };
}

async function recordFailure(deps: ProcessDeps, ctx: JobContext<Payload>, media: MediaRow, err: unknown) {
  if (ctx.signal.aborted && !(err instanceof PermanentJobError)) return;
  const last = ctx.job.attempt >= ctx.job.max_attempts;
  const rejected = err instanceof MediaRejectedError;
  if (!rejected && !last && !(err instanceof PermanentJobError)) return;
  const errored = await deps.repos.media.update(media.tenant_id, media.id, {
    status: 'errored',
    error_code: rejected ? err.code : 'processing_failed',
    error_message: rejected ? err.message : 'Processing failed after several attempts.',
    updated_at: deps.now?.() ?? Date.now(),
  });
  if (errored) await deps.events?.('media.errored', errored);
}

/** Files published at once, each a stream into storage. */
const UPLOADS_AT_ONCE = 4;

async function processInto(
  deps: ProcessDeps,
  ctx: JobContext<Payload>,
  media: MediaRow,
  sourceKey: string,
  workdir: string,
): Promise<void> {
  const { signal } = ctx;
  const now = () => deps.now?.() ?? Date.now();
  const progress = forwardProgress(ctx);
  const source = await localSource(deps.storage, sourceKey, workdir, signal);
  progress(1, 'reading the source');
  const { probe, keyframes } = await readSource(source, signal);
  const plan = planProcessing(probe, keyframes);
  const prefix = joinKey('media', media.tenant_id, media.id, `${ctx.job.id}-${ctx.job.attempt}`) + '/';
  const uploaded = new Set<string>();
  const upload = (files: readonly string[]) =>
    eachConcurrently(
      files.filter((file) => !uploaded.has(file)),
      UPLOADS_AT_ONCE,
      async (file) => {
        await deps.storage.put(prefix + file, createReadStream(path.join(workdir, file)));
        uploaded.add(file);
      },
    );
  const passthrough = plan.video === null || plan.video.passthroughRefusal === null;
  const top = plan.video?.rungs[0];
  const download = (s: AbortSignal) =>
    runMediaTool('ffmpeg', downloadArgs(workdir, top, plan.audio !== null), { signal: s });

  // The ladder (with the storyboard and the poster) keeps the CPU busy; the steps that mostly wait
  // on the disk run beside it: the playable version (repackaged and published first), the audio
  // and, when the top rung is the copied source, the MP4 download.
  await alongside(
    signal,
    (s) => encodeLadder(source, plan, workdir, s, progress),
    async (s) => {
      if (passthrough) {
        progress(2, 'repackaging for instant playback');
        await runMediaTool('ffmpeg', instantArgs(source, plan, workdir), { signal: s });
        if (media.playable !== 1) {
          const index = await buildIndex(workdir, plan, { onlyCopy: true });
          await upload(index.renditions.map((r) => r.file));
          await publish(deps, media, prefix, 'index-playable.json', index, { ready: false }, now());
          progress(5, 'playable; encoding the other renditions');
        }
      } else if (plan.audio) {
        await runMediaTool('ffmpeg', audioArgs(source, plan, workdir), { signal: s });
      }
      if (!top || top.copy) {
        await download(s);
        await upload([outputs.download]);
      }
      await deps.captions?.fromSource(media, source, workdir, s);
    },
  );
  if (top && !top.copy) await download(signal);
  progress(92, 'publishing');

  const index = await buildIndex(workdir, plan, { onlyCopy: false });
  await upload([
    ...index.renditions.map((r) => r.file),
    ...(index.poster ? [index.poster] : []),
    ...(index.storyboard?.sheets ?? []),
    ...(index.download ? [index.download] : []),
  ]);
  await publish(deps, media, prefix, 'index.json', index, { ready: true }, now());

  if (!media.source_sha256) {
    const { body } = await deps.storage.get(sourceKey);
    await deps.repos.media.update(media.tenant_id, media.id, { source_sha256: await sha256Of(body, signal) });
  }
}

/**
 * Probes the source and, beside the probe, lists its video keyframes. A file that is not media
 * fails with the probe's verdict, whatever the keyframe scan made of it.
 */
async function readSource(source: string, signal: AbortSignal) {
  const scan = keyframeTimes(source, signal).then(
    (times) => ({ times }),
    (error: unknown) => ({ error }),
  );
  let probe;
  try {
    probe = await probeFile(source, signal);
  } catch (error) {
    await scan;
    throw error;
  }
  const listed = await scan;
  if (!probe.video) return { probe, keyframes: [] };
  if ('error' in listed) throw listed.error;
  return { probe, keyframes: listed.times };
}

type Progress = (percent: number, message: string) => void;

/** Progress reported from steps running side by side, never going backwards. */
function forwardProgress(ctx: JobContext<Payload>): Progress {
  let shown = 0;
  return (percent, message) => {
    if (percent < shown) return;
    shown = percent;
    ctx.progress(percent, message);
  };
}

/** One ffmpeg run for every encoded rung, the storyboard and the poster, below the API's CPU priority. */
async function encodeLadder(
  source: string,
  plan: ProcessingPlan,
  workdir: string,
  signal: AbortSignal,
  progress: Progress,
): Promise<void> {
  const args = plan.video ? ladderArgs(source, plan, workdir) : [];
  if (args.length === 0) return;
  await runMediaTool('ffmpeg', args, {
    signal,
    background: true,
    onProgress: (fields) => {
      const micros = Number(fields.out_time_us ?? fields.out_time_ms ?? 0);
      if (micros > 0) progress(5 + Math.min(85, (micros / 1e6 / plan.durationSeconds) * 85), 'encoding');
    },
  });
}

async function buildIndex(
  workdir: string,
  plan: ProcessingPlan,
  opts: { onlyCopy: boolean },
): Promise<PlaybackIndex> {
  const renditions: PublishedRendition[] = [];
  const rungs = (plan.video?.rungs ?? []).filter((r) => !opts.onlyCopy || r.copy);
  for (const rung of rungs) renditions.push(await videoRendition(workdir, rung, plan));
  if (plan.audio) {
    const index = parseFfmpegPlaylist(await fs.readFile(path.join(workdir, outputs.audioIndex), 'utf8'));
    renditions.push({
      id: 'audio',
      kind: 'audio',
      file: outputs.audio,
      codec: 'mp4a.40.2',
      width: null,
      height: null,
      frameRate: null,
      index,
      timeOffsetSeconds: MEDIA_TIME_OFFSET_SECONDS,
    });
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

async function videoRendition(
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
    };
  } finally {
    await handle.close();
  }
}

/** One update makes a version what players get; the replaced one is removed after a grace period. */
async function publish(
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
  const current = await deps.repos.media.get(media.tenant_id, media.id);
  const published = await deps.repos.media.update(media.tenant_id, media.id, {
    playback_prefix: prefix,
    playback_index: indexFile,
    renditions: JSON.stringify(summarize(index)),
    playable: 1,
    duration_seconds: index.durationSeconds,
    width: top?.width ?? null,
    height: top?.height ?? null,
    ...(opts.ready && { status: 'ready', error_code: null, error_message: null }),
    updated_at: now,
  });
  if (published && deps.events) {
    if (current?.playable !== 1) await deps.events('media.playable', published);
    if (opts.ready) await deps.events('media.ready', published);
  }
  const replaced = current?.playback_prefix;
  if (replaced && replaced !== prefix) {
    await deps.queue.add({
      type: 'media.remove-files',
      payload: { prefix: replaced, keys: [] },
      tenantId: media.tenant_id,
      runAt: now + OLD_VERSION_GRACE_MS,
    });
  }
}
