import { withWorkSpaceCheck } from './disk-space.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import { failpoint } from '../lib/failpoints.ts';
import { sha256Of } from '../lib/sha256.ts';
import { publishedByJob } from './unpublished-versions.ts';
import {
  audioArgs,
  audioPosterArgs,
  downloadArgs,
  instantArgs,
  ladderArgs,
  outputs,
} from './ffmpeg-commands.ts';
import { planSound } from './audio-measure.ts';
import { alongside } from './concurrency.ts';
import { runMediaTool } from './media-tools.ts';
import {
  buildIndex,
  publish,
  versionUploader,
  withPreparedSource,
  type MediaPayload,
  type PreparedSource,
  type ProcessDeps,
  type Progress,
} from './processing-steps.ts';

/**
 * The full version of a media: one ffmpeg run encodes every rung that is not the copied source,
 * plus the storyboard and the poster, while the steps that mostly wait on the disk run beside it
 * (the copied rung and audio repackaged again, the MP4 download, caption tracks of the source's
 * subtitles). Then the version is published and the media is `ready`.
 *
 * Idempotent by a fresh location, as `media.process` is.
 */
export function encodeMediaHandler(deps: ProcessDeps): JobHandler<MediaPayload> {
  return withWorkSpaceCheck(deps, async (ctx) => {
    // A retry after this job's publish committed (its worker died just after): the work is done.
    const known = await deps.repos.media.get(ctx.payload.tenantId, ctx.payload.mediaId);
    if (known?.status === 'ready' && publishedByJob(known, ctx.job.id)) return;
    await withPreparedSource(deps, ctx, async (prepared, progress) => {
      const { media, plan, source, workdir, prefix, demuxer, limits } = prepared;
      const { signal } = ctx;
      failpoint('encode.running');
      // Everything here is background work: below the API's and the playable lane's CPU priority.
      const run = (args: string[], s: AbortSignal) =>
        runMediaTool('ffmpeg', args, { signal: s, limits, workdir, background: true });
      const upload = versionUploader(deps.storage, prefix, workdir);
      const passthrough = plan.video === null || plan.video.passthroughRefusal === null;
      const top = plan.video?.rungs[0];
      const download = (s: AbortSignal) => run(downloadArgs(workdir, top, plan.audio !== null), s);
      // The sound's plan once its loudness is measured (normalised when the media asks for it).
      let sound: { plan: typeof plan; loudnessLufs: number | null } = { plan, loudnessLufs: null };

      await alongside(
        signal,
        (s) => encodeLadder(prepared, s, progress),
        async (s) => {
          sound = await planSound(prepared, s);
          if (passthrough) await run(instantArgs(source, sound.plan, workdir, demuxer), s);
          else if (plan.audio) await run(audioArgs(source, sound.plan, workdir, demuxer), s);
          if (plan.audioPoster) await run(audioPosterArgs(source, plan, workdir, demuxer), s);
          if (!top || top.copy) {
            await download(s);
            await upload([outputs.download]);
          }
          await deps.captions?.fromSource(media, source, workdir, s, demuxer, limits);
        },
      );
      if (top && !top.copy) await download(signal);
      progress(92, 'publishing');

      const index = await buildIndex(workdir, sound.plan, {
        onlyCopy: false,
        loudnessLufs: sound.loudnessLufs,
      });
      await upload([
        ...index.renditions.map((r) => r.file),
        ...(index.poster ? [index.poster] : []),
        ...(index.storyboard?.sheets ?? []),
        ...(index.download ? [index.download] : []),
      ]);
      await publish(deps, media, prefix, 'index.json', index, { ready: true }, deps.now?.() ?? Date.now());

      if (!media.source_sha256 && media.source_key) {
        const { body } = await deps.storage.get(media.source_key);
        await deps.repos.media.update(media.tenant_id, media.id, {
          source_sha256: await sha256Of(body, signal),
        });
      }
    });
  });
}

/** One ffmpeg run for every encoded rung, the storyboard and the poster, below the API's CPU priority. */
async function encodeLadder(prepared: PreparedSource, signal: AbortSignal, progress: Progress) {
  const { plan, source, workdir, demuxer, limits } = prepared;
  const args = plan.video ? ladderArgs(source, plan, workdir, demuxer) : [];
  if (args.length === 0) return;
  await runMediaTool('ffmpeg', args, {
    signal,
    background: true,
    limits,
    workdir,
    onProgress: (fields) => {
      const micros = Number(fields.out_time_us ?? fields.out_time_ms ?? 0);
      if (micros > 0) progress(5 + Math.min(85, (micros / 1e6 / plan.durationSeconds) * 85), 'encoding');
    },
  });
}
