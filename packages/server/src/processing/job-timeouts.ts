import { MAX_TIMEOUT_MS } from '../jobs/job-registry.ts';
import { cpuLimitSeconds, WORKER_CORES, type SourceFacts } from './tool-limits.ts';

const MINUTE = 60_000;

/** No processing attempt is cut shorter: a busy machine, a slow store, a first start of ffmpeg. */
export const MIN_ATTEMPT_MS = 30 * MINUTE;

/**
 * How fast an attempt is assumed to move its source's bytes, counted once for the several passes
 * over them (download from storage, copy into the work folder, repackage, upload, the MP4
 * download): a slow disk or a distant store, so a large original never times out on its bytes.
 */
const SOURCE_BYTES_PER_SECOND = 2 * 1024 ** 2;

const clampAttempt = (ms: number) => Math.min(MAX_TIMEOUT_MS, Math.max(MIN_ATTEMPT_MS, Math.ceil(ms)));

const bytesMs = (sizeBytes: number) => (Math.max(0, sizeBytes) / SOURCE_BYTES_PER_SECOND) * 1000;

/**
 * The timeout of a `media.encode` attempt, from the probed source: the time for its ffmpeg to
 * spend its whole CPU limit on two cores (the limit is several times an honest ladder's CPU, see
 * cpuLimitSeconds), plus the time to move its bytes, at least MIN_ATTEMPT_MS. So the attempt never
 * times out before the kernel could stop a runaway ffmpeg, nor long after.
 *
 * @example encodeTimeoutMs({ durationSeconds: 4 * 3600, pixels: 1920 * 1080, frameRate: 30, sizeBytes: 10e9, maxOutputKbps: 5000, encodedRungPixels: [1280 * 720, 854 * 480, 640 * 360, 426 * 240] }) // about 19 h
 */
export function encodeTimeoutMs(source: SourceFacts): number {
  return timeoutForCpuLimit(cpuLimitSeconds(source), source.sizeBytes);
}

/** An attempt whose tools hold `cpuSeconds` each (see encodeTimeoutMs) over a source of `sourceBytes`. */
export function timeoutForCpuLimit(cpuSeconds: number, sourceBytes: number): number {
  return clampAttempt((cpuSeconds / WORKER_CORES) * 1000 + bytesMs(sourceBytes));
}

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
  return clampAttempt(MIN_ATTEMPT_MS + bytesMs(sourceBytes));
}
