import type { RenditionIndex } from '../media/playback-index.ts';

export function totalDuration(index: RenditionIndex): number {
  return index.segments.reduce((sum, s) => sum + s.duration, 0);
}

/** EXT-X-TARGETDURATION: the longest segment, rounded to whole seconds (at least 1). */
export function targetDuration(index: RenditionIndex): number {
  const longest = index.segments.reduce((max, s) => Math.max(max, s.duration), 0);
  return Math.max(1, Math.ceil(longest - 0.001));
}

/**
 * Peak and average bits per second, for BANDWIDTH and AVERAGE-BANDWIDTH. The peak is HLS's peak
 * segment bit rate (RFC 8216): the highest rate of any run of consecutive segments lasting
 * 0.5 to 1.5 target durations. Every full segment counts alone; a last segment of a few frames
 * counts with the one before it, so the key frame that opens it does not declare a rate the
 * stream never sustains. Never below the average.
 */
export function bandwidth(index: RenditionIndex): { peak: number; average: number } {
  const { segments } = index;
  const target = targetDuration(index);
  let peak = 0;
  for (let first = 0; first < segments.length; first++) {
    let bytes = 0;
    let seconds = 0;
    for (let i = first; i < segments.length; i++) {
      const s = segments[i];
      if (!s) break;
      bytes += s.length;
      seconds += s.duration;
      if (seconds > 1.5 * target) break;
      if (seconds >= 0.5 * target) peak = Math.max(peak, (bytes * 8) / seconds);
    }
  }
  const total = segments.reduce((sum, s) => sum + s.length, 0);
  const seconds = totalDuration(index);
  const average = seconds > 0 ? (total * 8) / seconds : 0;
  return { peak: Math.ceil(Math.max(peak, average)), average: Math.ceil(average) };
}
