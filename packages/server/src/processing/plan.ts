import type { AudioStreamInfo, ProbeResult, VideoStreamInfo } from './probe-result.ts';

export interface VideoRung {
  /** e.g. '720p': the short side, so portrait and landscape rungs share names. */
  name: string;
  width: number;
  height: number;
  /** Average bitrate target in kbit/s; the copied rung reports the source's. */
  bitrateKbps: number;
  /** The source's own stream, repackaged without re-encoding. */
  copy: boolean;
}

export type KeyframePlan = { kind: 'source'; times: number[] } | { kind: 'every'; seconds: number };

export interface VideoPlan {
  sourceIndex: number;
  /** Why the source cannot be repackaged as is, when it cannot. */
  passthroughRefusal: string | null;
  frameRate: number;
  rungs: VideoRung[];
  keyframes: KeyframePlan;
  deinterlace: boolean;
}

export interface AudioPlan {
  sourceIndex: number;
  copy: boolean;
  bitrateKbps: number;
}

export interface StoryboardPlan {
  intervalSeconds: number;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  rows: number;
  count: number;
}

export interface ProcessingPlan {
  durationSeconds: number;
  segmentSeconds: number;
  video: VideoPlan | null;
  audio: AudioPlan | null;
  storyboard: StoryboardPlan | null;
  /** Where the poster is picked: the most typical of the 60 frames from here; null without video. */
  posterAtSeconds: number | null;
}

export const SEGMENT_SECONDS = 2;
const LADDER = [1080, 720, 480, 360, 240];
/** A rung this close to the one above it adds bytes, not choice. */
const MIN_STEP = 0.85;
const MAX_PASSTHROUGH_GOP_SECONDS = 4.5;
const AUDIO_KBPS = 128;

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** Bits per pixel per frame: smaller pictures need relatively more bits to look as good. */
function bitsPerPixel(shortSide: number): number {
  if (shortSide >= 1080) return 0.075;
  if (shortSide >= 720) return 0.085;
  return 0.1;
}

export function rungBitrateKbps(width: number, height: number, frameRate: number): number {
  // Motion cost grows slower than frame count: 60 fps needs about 1.5x the bits of 30 fps.
  const fpsFactor = Math.sqrt(Math.min(60, Math.max(24, frameRate)) / 30) * 30;
  const bps = width * height * fpsFactor * bitsPerPixel(Math.min(width, height));
  return Math.max(100, Math.round(bps / 1000 / 10) * 10);
}

/** Frame rate for the output: the source's when constant and sane, else a standard rate near its average. */
export function outputFrameRate(video: VideoStreamInfo): number {
  const source = video.variableFrameRate
    ? video.averageFrameRate
    : (video.frameRate ?? video.averageFrameRate);
  if (source === null || source <= 0) return 30;
  let rate = source;
  while (rate > 60) rate /= 2;
  if (video.variableFrameRate) {
    const standard = [24, 25, 30, 50, 60];
    return standard.reduce((best, s) => (Math.abs(s - rate) < Math.abs(best - rate) ? s : best), 30);
  }
  return Math.round(rate * 1000) / 1000;
}

export function longestGop(keyframes: readonly number[], durationSeconds: number): number {
  if (keyframes.length === 0) return durationSeconds;
  let longest = 0;
  const ends = [...keyframes.slice(1), durationSeconds];
  keyframes.forEach((t, i) => {
    longest = Math.max(longest, (ends[i] ?? t) - t);
  });
  return longest;
}

/**
 * Why a video stream cannot be repackaged for browsers as is, or null when it can: H.264 8-bit
 * 4:2:0, progressive, square pixels, upright, even size, keyframes at most ~4 s apart.
 */
export function passthroughRefusal(
  video: VideoStreamInfo,
  keyframes: readonly number[],
  durationSeconds: number,
): string | null {
  if (video.codec !== 'h264') return `${video.codec} is not played by every browser`;
  if (video.bitDepth !== 8 || video.chroma !== '420')
    return `${video.bitDepth}-bit ${video.pixelFormat} is not widely playable`;
  if (!['Baseline', 'Constrained Baseline', 'Main', 'High'].includes(video.profile ?? '')) {
    return `H.264 profile ${video.profile ?? 'unknown'} is not widely playable`;
  }
  if (video.level !== null && video.level > 51)
    return `H.264 level ${video.level / 10} is above what browsers play`;
  if (video.interlaced) return 'interlaced video needs deinterlacing';
  if (video.rotation !== 0) return 'rotated video is shown sideways by some players';
  if (Math.abs(video.sampleAspectRatio - 1) > 0.01) return 'non-square pixels need resizing';
  if (video.width % 2 || video.height % 2) return 'an odd frame size is refused by some decoders';
  if (video.variableFrameRate) return 'variable frame rate breaks segment timing';
  const gop = longestGop(keyframes, durationSeconds);
  if (gop > MAX_PASSTHROUGH_GOP_SECONDS) return `keyframes up to ${gop.toFixed(1)} s apart make seeking slow`;
  return null;
}

function ladder(video: VideoStreamInfo, frameRate: number, copyTop: boolean): VideoRung[] {
  const landscape = video.displayWidth >= video.displayHeight;
  const shortSide = landscape ? video.displayHeight : video.displayWidth;
  const aspect = video.displayWidth / video.displayHeight;
  const size = (short: number) =>
    landscape
      ? { width: even(short * aspect), height: even(short) }
      : { width: even(short), height: even(short / aspect) };

  const rungs: VideoRung[] = [];
  if (copyTop) {
    rungs.push({
      name: `${shortSide}p`,
      width: video.displayWidth,
      height: video.displayHeight,
      bitrateKbps: Math.round(
        (video.bitrate ?? rungBitrateKbps(video.width, video.height, frameRate) * 1000) / 1000,
      ),
      copy: true,
    });
  }
  const ceiling = copyTop ? shortSide * MIN_STEP : shortSide;
  const targets = LADDER.filter((short) => short <= ceiling);
  // A source between rungs (or smaller than every one) also gets an encoded rung at its own size,
  // but never above the ladder's top: encoding 1440p or 4K would take several times the 1080p
  // rung's CPU for a picture few viewers can tell apart. A copied source costs nothing at any size.
  const top = LADDER[0] ?? 1080;
  if (!copyTop && shortSide <= top && (targets.length === 0 || (targets[0] ?? 0) < shortSide * MIN_STEP))
    targets.unshift(even(shortSide));
  for (const short of targets) {
    const { width, height } = size(short);
    rungs.push({
      name: `${short}p`,
      width,
      height,
      bitrateKbps: rungBitrateKbps(width, height, frameRate),
      copy: false,
    });
  }
  return rungs;
}

/** The default audio: its disposition says so, else the first track. */
export function chooseAudio(tracks: readonly AudioStreamInfo[]): AudioStreamInfo | null {
  return tracks.find((t) => t.isDefault) ?? tracks[0] ?? null;
}

function audioPlan(track: AudioStreamInfo | null): AudioPlan | null {
  if (!track) return null;
  // AAC-LC stereo (or mono) at a browser-friendly rate is copied; anything else becomes AAC-LC stereo 48 kHz.
  const copy =
    track.codec === 'aac' &&
    track.profile === 'LC' &&
    track.channels <= 2 &&
    (track.sampleRate === 48000 || track.sampleRate === 44100);
  return { sourceIndex: track.index, copy, bitrateKbps: AUDIO_KBPS };
}

function storyboardPlan(video: VideoStreamInfo, durationSeconds: number): StoryboardPlan {
  const intervalSeconds = Math.max(1, Math.ceil(durationSeconds / 100));
  const count = Math.max(1, Math.ceil(durationSeconds / intervalSeconds));
  const tileWidth = 160;
  const tileHeight = even((tileWidth * video.displayHeight) / video.displayWidth);
  const columns = Math.min(10, count);
  return { intervalSeconds, tileWidth, tileHeight, columns, rows: Math.ceil(count / columns), count };
}

/**
 * Everything processing will do, decided from the probe and the source's keyframe times alone.
 *
 * @example planProcessing(probe, [0, 2, 4, 6]).video?.rungs.map((r) => r.name) // ['1080p', '720p', ...]
 */
export function planProcessing(probe: ProbeResult, keyframes: readonly number[]): ProcessingPlan {
  const duration = probe.durationSeconds;
  const audio = audioPlan(chooseAudio(probe.audio));
  const posterAtSeconds = Math.min(Math.max(0, duration - 1), Math.max(1, duration * 0.1));
  if (!probe.video) {
    return {
      durationSeconds: duration,
      segmentSeconds: SEGMENT_SECONDS,
      video: null,
      audio,
      storyboard: null,
      posterAtSeconds: null,
    };
  }
  const video = probe.video;
  const frameRate = outputFrameRate(video);
  const refusal = passthroughRefusal(video, keyframes, duration);
  return {
    durationSeconds: duration,
    segmentSeconds: SEGMENT_SECONDS,
    video: {
      sourceIndex: video.index,
      passthroughRefusal: refusal,
      frameRate,
      rungs: ladder(video, frameRate, refusal === null),
      keyframes:
        refusal === null
          ? { kind: 'source', times: [...keyframes] }
          : { kind: 'every', seconds: SEGMENT_SECONDS },
      deinterlace: video.interlaced,
    },
    audio,
    storyboard: storyboardPlan(video, duration),
    posterAtSeconds,
  };
}
