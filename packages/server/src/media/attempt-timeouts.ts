import { MAX_TIMEOUT_MS } from '../jobs/job-registry.ts';

/*
 * Processing attempts' timeouts: `media.process`'s, sized here when the lifecycle enqueues it, and
 * the base that processing/job-timeouts.ts sizes `media.encode`'s from.
 */

const MINUTE = 60_000;

/** No processing attempt is cut shorter: a busy machine, a slow store, a first start of ffmpeg. */
export const MIN_ATTEMPT_MS = 30 * MINUTE;

/**
 * How fast an attempt is assumed to move its source's bytes, counted once for the several passes
 * over them (download from storage, copy into the work folder, repackage, upload, the MP4
 * download): a slow disk or a distant store, so a large original never times out on its bytes.
 */
const SOURCE_BYTES_PER_SECOND = 2 * 1024 ** 2;

/** An attempt's timeout, within MIN_ATTEMPT_MS and the job system's longest. */
export const clampAttempt = (ms: number) => Math.min(MAX_TIMEOUT_MS, Math.max(MIN_ATTEMPT_MS, Math.ceil(ms)));

/** The time an attempt is given to move a source of `sizeBytes` (SOURCE_BYTES_PER_SECOND). */
export const sourceBytesMs = (sizeBytes: number) => (Math.max(0, sizeBytes) / SOURCE_BYTES_PER_SECOND) * 1000;

/**
 * The timeout of a `media.process` attempt, from the original's size alone: it is enqueued when
 * the upload ends, before anything is probed, and its work grows with the bytes, not the duration
 * (it probes and scans the packets, repackages the source without decoding it, or encodes a first
 * rung only when that takes seconds; the ladder is media.encode's). Sizing it at enqueue keeps the
 * queue as it is; a handler that extended its own attempt after probing would need the worker's
 * timer, the row and a retried attempt to agree.
 *
 * @example processTimeoutMs(10 * 1024 ** 3) // 30 min + 5,120 s: about 1 h 55 min
 */
export function processTimeoutMs(sourceBytes: number): number {
  return clampAttempt(MIN_ATTEMPT_MS + sourceBytesMs(sourceBytes));
}
