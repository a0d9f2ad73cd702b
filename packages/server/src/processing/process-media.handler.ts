import { withWorkSpaceCheck } from './disk-space.ts';
import type { JobHandler } from '../jobs/job-registry.ts';
import { encodingKey } from '../media/media-job-keys.ts';
import { instantArgs } from './ffmpeg-commands.ts';
import { playableRungs } from './plan.ts';
import { runMediaTool } from './media-tools.ts';
import { timeoutForCpuLimit } from './job-timeouts.ts';
import { withinAttempt } from './tool-limits.ts';
import {
  buildIndex,
  publish,
  versionUploader,
  withPreparedSource,
  type MediaPayload,
  type ProcessDeps,
} from './processing-steps.ts';

export { OLD_VERSION_GRACE_MS, type ProcessDeps } from './processing-steps.ts';

/**
 * The first step of processing, in the lane reserved for making media playable: probe the source
 * (refusing formats Kino does not read), and when its streams can pass through, repackage them
 * without re-encoding and publish that version, playable within about a second. The rest of the
 * ladder is a `media.encode` job of its own, so long encodes never hold up another upload's first
 * version (see JobWorker's lanes).
 *
 * Idempotent by a fresh location: each attempt writes under its own version prefix and becomes
 * visible only through one update of the media row; the encode job is enqueued once per media.
 */
export function processMediaHandler(deps: ProcessDeps): JobHandler<MediaPayload> {
  return withWorkSpaceCheck(deps, (ctx) =>
    withPreparedSource(deps, ctx, async (prepared, progress) => {
      const { media, plan, source, workdir, prefix } = prepared;
      // A source that passes through is repackaged; another gets its first rung encoded fast, when
      // that takes seconds (see playableRungs); audio alone is repackaged or encoded.
      const firstVersion = plan.video === null || playableRungs(plan).length > 0;
      if (firstVersion && media.playable !== 1) {
        progress(20, 'making a first version to play');
        await runMediaTool('ffmpeg', instantArgs(source, plan, workdir, prepared.demuxer), {
          signal: ctx.signal,
          // This attempt is sized from the bytes (processTimeoutMs), not from the ladder's work.
          limits: withinAttempt(prepared.limits, ctx.job.timeout_ms),
          workdir,
        });
        const index = await buildIndex(workdir, plan, { onlyCopy: true });
        await versionUploader(deps.storage, prefix, workdir)(index.renditions.map((r) => r.file));
        await publish(deps, media, prefix, 'index-playable.json', index, { ready: false }, now(deps));
        progress(90, 'playable; the other renditions follow');
      }
      await deps.queue.add({
        type: 'media.encode',
        payload: { tenantId: media.tenant_id, mediaId: media.id },
        tenantId: media.tenant_id,
        idempotencyKey: encodingKey(media.id),
        // Long enough for the ladder's ffmpeg to spend its CPU limit (see encodeTimeoutMs).
        timeoutMs: timeoutForCpuLimit(prepared.limits.cpuSeconds, media.source_size ?? 0),
      });
    }),
  );
}

const now = (deps: ProcessDeps) => deps.now?.() ?? Date.now();
