import type { AudioStreamInfo, ProbeResult, VideoStreamInfo } from '../src/processing/probe-result.ts';

/**
 * A browser-ready H.264 stream (High, 8-bit 4:2:0, progressive, upright, square pixels) of the
 * given coded size; override any fact. Display size follows rotation and pixel aspect unless given.
 */
export function h264Video(overrides: Partial<VideoStreamInfo> = {}): VideoStreamInfo {
  const width = overrides.width ?? 1920;
  const height = overrides.height ?? 1080;
  const rotation = overrides.rotation ?? 0;
  const sar = overrides.sampleAspectRatio ?? 1;
  const quarter = rotation === 90 || rotation === 270;
  const squareWidth = Math.round(width * sar);
  return {
    index: 0,
    codec: 'h264',
    profile: 'High',
    pixelFormat: 'yuv420p',
    bitDepth: 8,
    chroma: '420',
    frameRate: 30,
    averageFrameRate: 30,
    variableFrameRate: false,
    interlaced: false,
    colorTransfer: null,
    colorPrimaries: null,
    colorSpace: null,
    level: 40,
    bitrate: 5_000_000,
    startTime: 0,
    peakLuminance: null,
    closedCaptions: false,
    ...overrides,
    width,
    height,
    rotation,
    sampleAspectRatio: sar,
    displayWidth: overrides.displayWidth ?? (quarter ? height : squareWidth),
    displayHeight: overrides.displayHeight ?? (quarter ? squareWidth : height),
  };
}

/** AAC-LC stereo 48 kHz, the default track; override any fact. */
export function aacTrack(overrides: Partial<AudioStreamInfo> = {}): AudioStreamInfo {
  return {
    index: 1,
    codec: 'aac',
    profile: 'LC',
    channels: 2,
    sampleRate: 48000,
    language: null,
    title: null,
    isDefault: true,
    bitrate: 128_000,
    startTime: 0,
    durationSeconds: 30,
    ...overrides,
  };
}

/** A probe of an MP4 with the given streams (by default 1080p30 H.264 + AAC, 30 s). */
export function probeOf(
  parts: {
    video?: VideoStreamInfo | null;
    audio?: AudioStreamInfo[];
    durationSeconds?: number;
    coverArtIndex?: number | null;
  } = {},
): ProbeResult {
  return {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSeconds: parts.durationSeconds ?? 30,
    startTime: 0,
    coverArtIndex: parts.coverArtIndex ?? null,
    eia608Track: false,
    sizeBytes: 20_000_000,
    bitrate: 5_300_000,
    video: parts.video === undefined ? h264Video() : parts.video,
    audio: parts.audio ?? [aacTrack()],
  };
}

/** Keyframe times every `gop` seconds from 0 up to (not including) `duration`. */
export function keyframesEvery(gop: number, duration: number): number[] {
  const times: number[] = [];
  for (let t = 0; t < duration - 1e-9; t += gop) times.push(Math.round(t * 1e6) / 1e6);
  return times;
}
