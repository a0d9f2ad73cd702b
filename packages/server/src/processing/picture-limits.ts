import type { VideoStreamInfo } from './probe-result.ts';

/**
 * The largest picture Kino accepts: 8192 pixels a side, 8K (8192×4320) in all, 240 frames a second
 * (phones film slow motion at 240). Memory and CPU limits grow with the picture a file declares
 * (see tool-limits.ts), so a few bytes claiming more would otherwise buy gigabytes and hours.
 */
export const MAX_SOURCE_SIDE = 8192;
export const MAX_SOURCE_PIXELS = 8192 * 4320;
export const MAX_SOURCE_FRAME_RATE = 240;

export type PictureFacts = Pick<
  VideoStreamInfo,
  'width' | 'height' | 'displayWidth' | 'displayHeight' | 'frameRate' | 'averageFrameRate'
>;

/**
 * Why a video stream is larger or faster than Kino accepts, in words a person understands, or
 * null when it is not. Both the coded size and the size as displayed count. ffprobe's nominal
 * rate can be a time base (1000 for a browser's WebM recording) or a multiple of mixed rates, so
 * a rate is refused only when every rate it states is above the maximum.
 *
 * @example pictureRefusal({ width: 15360, height: 15360, displayWidth: 15360, displayHeight: 15360, frameRate: 30, averageFrameRate: 30 }) // 'This video is 15360×15360 pixels; …'
 */
export function pictureRefusal(video: PictureFacts): string | null {
  for (const [width, height] of [
    [video.width, video.height],
    [video.displayWidth, video.displayHeight],
  ] as const) {
    if (Math.max(width, height) > MAX_SOURCE_SIDE) {
      return `This video is ${width}×${height} pixels; Kino accepts video up to ${MAX_SOURCE_SIDE} pixels wide or tall.`;
    }
    if (width * height > MAX_SOURCE_PIXELS) {
      return `This video is ${width}×${height} pixels; Kino accepts video up to 8K (8192×4320 pixels).`;
    }
  }
  const rates = [video.frameRate, video.averageFrameRate].filter((r): r is number => r !== null && r > 0);
  const rate = Math.min(...rates);
  if (rates.length > 0 && rate > MAX_SOURCE_FRAME_RATE) {
    return `This video runs at ${Math.round(rate)} frames a second; Kino accepts video up to ${MAX_SOURCE_FRAME_RATE}.`;
  }
  return null;
}
