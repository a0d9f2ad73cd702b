import { clampAttempt, sourceBytesMs } from '../media/attempt-timeouts.ts';
import { cpuLimitSeconds, WORKER_CORES, type SourceFacts } from './tool-limits.ts';

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
  return clampAttempt((cpuSeconds / WORKER_CORES) * 1000 + sourceBytesMs(sourceBytes));
}
