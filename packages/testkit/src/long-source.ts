import { basename, dirname, join } from 'node:path';
import { cachedMedia, type Step } from './media.ts';

/**
 * What `longSource` makes: a tiny picture at a low rate, keyframes every 2 s, and AAC-LC mono at
 * 48 kHz, so processing repackages both streams and the hours cost bytes, not encoding.
 */
export const LONG_SOURCE = {
  width: 192,
  height: 108,
  fps: 5,
  gopSeconds: 2,
  /** One piece is encoded, then repeated without re-encoding (see longSource). */
  pieceSeconds: 64,
} as const;

const FFMPEG = ['-nostdin', '-hide_banner', '-v', 'error', '-y'];

/**
 * A long H.264 + AAC MP4 (hours of testsrc2 and a 440 Hz tone), cached across runs. Encoding
 * hours of video, even this small, takes minutes on two cores; a 64 s piece is encoded once and
 * repeated by stream copy. 64 s is a whole number of GOPs and of AAC frames (3,000 of 1,024
 * samples at 48 kHz), so the copies join without a hole or an overlap. About 85 MB for 4 hours,
 * made in about 6 CPU seconds.
 *
 * @example const file = await longSource(4); // 14,400 s, 72,000 frames, keyframes every 2 s
 */
export function longSource(hours: number): Promise<string> {
  const { width, height, fps, gopSeconds, pieceSeconds } = LONG_SOURCE;
  const repeats = Math.round((hours * 3600) / pieceSeconds);
  if (repeats < 1 || Math.abs(repeats * pieceSeconds - hours * 3600) > 1e-6) {
    throw new Error(`${hours} h is not a whole number of ${pieceSeconds} s pieces`);
  }
  const gop = String(fps * gopSeconds);
  return cachedMedia(`long-${hours}h-${width}x${height}`, 'mp4', (out): Step[] => {
    const piece = join(dirname(out), `piece-${basename(out)}`);
    return [
      {
        op: 'ffmpeg',
        args: [
          ...FFMPEG,
          ...['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${pieceSeconds}`],
          ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${pieceSeconds}`],
          ...['-map', '0:v', '-map', '1:a'],
          ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '45', '-pix_fmt', 'yuv420p'],
          ...['-g', gop, '-keyint_min', gop, '-sc_threshold', '0'],
          ...['-c:a', 'aac', '-b:a', '12k', '-ac', '1', '-movflags', '+faststart', piece],
        ],
      },
      {
        op: 'ffmpeg',
        // -stream_loop N plays the input N more times; timestamps continue across the copies.
        args: [
          ...FFMPEG,
          ...['-stream_loop', String(repeats - 1), '-i', piece],
          ...['-map', '0', '-c', 'copy', '-movflags', '+faststart', out],
        ],
      },
    ];
  });
}
