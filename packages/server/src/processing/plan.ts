import type { StreamScan, StreamTiming } from './packet-scan.ts';
import type { AudioStreamInfo, ProbeResult, VideoStreamInfo } from './probe-result.ts';

export interface VideoRung {
  /** e.g. '720p': the short side, so portrait and landscape rungs share names. */
  name: string;
  width: number;
  height: number;
  /** The most kbit/s the rung is encoded at (capped CRF: easy content uses less); the copied rung reports the source's. */
  bitrateKbps: number;
  /** The source's own stream, repackaged without re-encoding. */
  copy: boolean;
}

export type KeyframePlan = { kind: 'source'; times: number[] } | { kind: 'every'; seconds: number };

/** HDR light to bring down to SDR (BT.709, 100 cd/m²) for the H.264 ladder. */
export interface ToneMapPlan {
  /** The source's transfer, as ffmpeg names it. */
  transfer: 'arib-std-b67' | 'smpte2084';
  /** The brightest light in the source (cd/m²). */
  peakNits: number;
}

export interface VideoPlan {
  sourceIndex: number;
  /** Why the source cannot be repackaged as is, when it cannot. */
  passthroughRefusal: string | null;
  frameRate: number;
  rungs: VideoRung[];
  /**
   * When nothing can be copied: the rung encoded first, at a fast preset, so that the media plays
   * within seconds while the ladder is encoded. Null when the source passes through.
   */
  firstRung: VideoRung | null;
  keyframes: KeyframePlan;
  deinterlace: boolean;
  toneMap: ToneMapPlan | null;
  /** An SD source's BT.601 colours, as ffmpeg's colorspace filter names them, to convert to BT.709. */
  colorMatrix601: 'bt601-6-525' | 'bt601-6-625' | null;
  /**
   * The source's pictures carry CEA-608 captions: every rung keeps them (copied as they are, or
   * passed on by libx264 from the decoded frames) and the master declares them.
   */
  closedCaptions: boolean;
}

/** Silence added around and inside a track so that it spans the picture (seconds on ffmpeg's clock). */
export interface AudioAlignment {
  /** Where the track must start: the picture's first frame. */
  startSeconds: number;
  /** Where it must reach at least: the picture's end. */
  endSeconds: number;
}

export interface AudioPlan {
  sourceIndex: number;
  copy: boolean;
  bitrateKbps: number;
  /** The rendition's id and file stem: 'audio' for the default track, 'audio-<stream>' for others. */
  id: string;
  /** BCP 47, or null when the source names none. */
  language: string | null;
  /** What players list it as. */
  name: string;
  isDefault: boolean;
  /** Channels of the rendition. */
  channels: number;
  /** Null when the track already starts with the picture, has no holes and lasts as long. */
  align: AudioAlignment | null;
  /** Gain applied to reach the loudness target (dB); null when the sound is left as it is. */
  gainDb: number | null;
}

/** What an audio-only media's poster is made from. */
export type AudioPoster = { kind: 'cover-art'; streamIndex: number } | { kind: 'waveform' };

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
  /** The default audio track. */
  audio: AudioPlan | null;
  /** Every other audio track, each an alternate rendition, in the source's order. */
  alternateAudio: AudioPlan[];
  /** Whether the sound is brought to LOUDNESS_TARGET_LUFS (see withLoudness). */
  normalizeLoudness: boolean;
  /** Audio only: the poster's picture. */
  audioPoster: AudioPoster | null;
  storyboard: StoryboardPlan | null;
  /** Where the poster is picked: the most typical of the 60 frames from here; null without video. */
  posterAtSeconds: number | null;
}

export const SEGMENT_SECONDS = 2;
const LADDER = [1080, 720, 480, 360, 240];
/** A rung this close to the one above it adds bytes, not choice. */
const MIN_STEP = 0.85;
const MAX_PASSTHROUGH_GOP_SECONDS = 4.5;
/** More than this in any one second is more than most viewers' connections carry. */
const MAX_PASSTHROUGH_PEAK_BPS = 80_000_000;
const AUDIO_KBPS = 128;
/** The rung a source that cannot pass through is first encoded at: its largest at most this tall. */
const FIRST_RUNG_MAX_SHORT_SIDE = 480;
/** Pixels the first rung may take to encode: a minute of 480p30, several seconds at a fast preset. */
const FIRST_RUNG_MAX_PIXELS = 60 * 30 * 854 * 480;
/** Audio that starts this much after the picture, or misses this much inside, is padded. */
const AUDIO_ALIGN_TOLERANCE_SECONDS = 0.02;
/** The loudness Kino normalises to when asked (integrated, EBU R128): what most platforms use. */
export const LOUDNESS_TARGET_LUFS = -16;
/** Quieter than this is silence (or noise): no gain is applied to it, and it is not a default track. */
export const SILENCE_LUFS = -60;
const MAX_GAIN_DB = 30;

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
 * 4:2:0 at a level browsers play, SDR BT.709, progressive, square pixels, upright, even size, a
 * steady frame rate, keyframes at most ~4 s apart, and no second carrying more than 80 Mbit.
 */
export function passthroughRefusal(
  video: VideoStreamInfo,
  keyframes: readonly number[],
  durationSeconds: number,
  peakBitrate: number | null = null,
): string | null {
  if (video.codec !== 'h264') return `${video.codec} is not played by every browser`;
  if (video.bitDepth !== 8 || video.chroma !== '420')
    return `${video.bitDepth}-bit ${video.pixelFormat} is not widely playable`;
  if (!['Baseline', 'Constrained Baseline', 'Main', 'High'].includes(video.profile ?? '')) {
    return `H.264 profile ${video.profile ?? 'unknown'} is not widely playable`;
  }
  if (video.level !== null && video.level > 51)
    return `H.264 level ${video.level / 10} is above what browsers play`;
  if (hdrTransfer(video)) return 'HDR video needs tone mapping for SDR screens';
  if (video.colorPrimaries === 'bt2020') return 'BT.2020 colours need converting to BT.709';
  if (video.interlaced) return 'interlaced video needs deinterlacing';
  if (video.rotation !== 0) return 'rotated video is shown sideways by some players';
  if (Math.abs(video.sampleAspectRatio - 1) > 0.01) return 'non-square pixels need resizing';
  if (video.width % 2 || video.height % 2) return 'an odd frame size is refused by some decoders';
  if (video.variableFrameRate) return 'variable frame rate breaks segment timing';
  const gop = longestGop(keyframes, durationSeconds);
  if (gop > MAX_PASSTHROUGH_GOP_SECONDS) return `keyframes up to ${gop.toFixed(1)} s apart make seeking slow`;
  if (peakBitrate !== null && peakBitrate > MAX_PASSTHROUGH_PEAK_BPS) {
    return `peaks of ${Math.round(peakBitrate / 1e6)} Mbit/s are more than most connections carry`;
  }
  return null;
}

/** The HDR transfer of a stream (HLG or PQ), or null for SDR. */
export function hdrTransfer(video: VideoStreamInfo): ToneMapPlan['transfer'] | null {
  return video.colorTransfer === 'arib-std-b67' || video.colorTransfer === 'smpte2084'
    ? video.colorTransfer
    : null;
}

/** HLG is made for a 1000 cd/m² display; PQ says its peak in its metadata, else 1000 is usual. */
function toneMapPlan(video: VideoStreamInfo): ToneMapPlan | null {
  const transfer = hdrTransfer(video);
  if (!transfer) return null;
  const peakNits = transfer === 'arib-std-b67' ? 1000 : Math.max(203, video.peakLuminance ?? 1000);
  return { transfer, peakNits };
}

/**
 * The largest encoded rung at most 480 tall (or wide, in portrait), else the smallest; none when
 * encoding it would take more than seconds (more pixels than a minute of 480p30): such a source
 * is first played when its ladder is ready.
 */
function firstRungOf(
  rungs: readonly VideoRung[],
  durationSeconds: number,
  frameRate: number,
): VideoRung | null {
  const encoded = rungs.filter((r) => !r.copy);
  const rung =
    encoded.find((r) => Math.min(r.width, r.height) <= FIRST_RUNG_MAX_SHORT_SIDE) ?? encoded.at(-1) ?? null;
  if (!rung) return null;
  return durationSeconds * frameRate * rung.width * rung.height <= FIRST_RUNG_MAX_PIXELS ? rung : null;
}

/** The renditions of the first, playable version: the copied source, else the fast first rung. */
export function playableRungs(plan: ProcessingPlan): VideoRung[] {
  const video = plan.video;
  if (!video) return [];
  const copied = video.rungs.filter((r) => r.copy);
  if (copied.length > 0) return copied;
  return video.firstRung ? [video.firstRung] : [];
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

/**
 * The default audio: among the tracks that are not silent (all of them if every one is), the one
 * its disposition marks, else the first in a preferred language, else the first. Silence rules
 * first because muxers mark the first track default whatever it holds: a file whose first track
 * is silent would otherwise play silence.
 */
export function chooseAudio(
  tracks: readonly AudioStreamInfo[],
  silent: ReadonlySet<number> = new Set(),
  preferredLanguages: readonly string[] = [],
): AudioStreamInfo | null {
  const audible = tracks.filter((t) => !silent.has(t.index));
  const candidates = audible.length > 0 ? audible : tracks;
  const preferred = preferredLanguages
    .map((lang) => candidates.find((t) => t.language !== null && bcp47(t.language) === bcp47(lang)))
    .find((t) => t !== undefined);
  return candidates.find((t) => t.isDefault) ?? preferred ?? candidates[0] ?? null;
}

/** A canonical BCP 47 tag ('fra' and 'fre' become 'fr'), or null when the tag is not one. */
export function bcp47(tag: string): string | null {
  try {
    const canonical = Intl.getCanonicalLocales(tag)[0];
    return canonical && canonical !== 'und' ? canonical : null;
  } catch {
    return null;
  }
}

/** What players list a track as: its title, else its language in that language, else its number. */
function trackName(track: AudioStreamInfo, language: string | null, position: number): string {
  if (track.title) return track.title.slice(0, 64);
  if (language) {
    try {
      const name = new Intl.DisplayNames([language], { type: 'language' }).of(language);
      if (name && name !== language) return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
    } catch {
      // An unknown language is named by its tag below.
    }
    return language;
  }
  return `Audio ${position}`;
}

/** Where, on ffmpeg's clock for this source, a stream plays. */
function spanOf(timing: StreamTiming | undefined, origin: number) {
  return timing ? { start: timing.start - origin, end: timing.end - origin, gaps: timing.gapSeconds } : null;
}

/**
 * Padding that makes a track span the picture: from its first frame, without holes, to its end
 * (within a frame). Audio alone is only padded inside. Null when the track needs none.
 */
function alignmentOf(
  track: AudioStreamInfo,
  probe: ProbeResult,
  streams: ReadonlyMap<number, StreamScan>,
): AudioAlignment | null {
  const origin = probe.startTime ?? 0;
  const sound = spanOf(streams.get(track.index)?.timing, origin);
  if (!sound) return null;
  const video = probe.video;
  const picture = video ? spanOf(streams.get(video.index)?.timing, origin) : null;
  if (!picture) {
    return sound.gaps > AUDIO_ALIGN_TOLERANCE_SECONDS
      ? { startSeconds: sound.start, endSeconds: sound.end }
      : null;
  }
  const frame = 1 / (video?.frameRate ?? 30);
  const late = sound.start - picture.start > AUDIO_ALIGN_TOLERANCE_SECONDS;
  const holes = sound.gaps > AUDIO_ALIGN_TOLERANCE_SECONDS;
  const short = picture.end - sound.end > frame;
  return late || holes || short ? { startSeconds: picture.start, endSeconds: picture.end } : null;
}

function audioPlan(
  track: AudioStreamInfo,
  isDefault: boolean,
  position: number,
  probe: ProbeResult,
  inputs: PlanInputs,
): AudioPlan {
  const align = alignmentOf(track, probe, inputs.streams ?? new Map());
  // AAC-LC stereo (or mono) at a browser-friendly rate is copied, unless it must be padded or its
  // level changed; anything else becomes AAC-LC stereo 48 kHz.
  const copyable =
    track.codec === 'aac' &&
    track.profile === 'LC' &&
    track.channels <= 2 &&
    (track.sampleRate === 48000 || track.sampleRate === 44100);
  const copy = copyable && align === null;
  const language = track.language === null ? null : bcp47(track.language);
  return {
    sourceIndex: track.index,
    copy,
    bitrateKbps: AUDIO_KBPS,
    id: isDefault ? 'audio' : `audio-${track.index}`,
    language,
    name: trackName(track, language, position),
    isDefault,
    channels: copy ? track.channels : 2,
    align,
    gainDb: null,
  };
}

/**
 * The plan with the gain that brings the sound from its measured integrated loudness to the
 * target, when the plan normalises; unchanged otherwise, or when the sound is silence. Gained
 * tracks are encoded, never copied.
 */
export function withLoudness(plan: ProcessingPlan, measuredLufs: number | null): ProcessingPlan {
  if (!plan.normalizeLoudness || !plan.audio || measuredLufs === null || measuredLufs < SILENCE_LUFS) {
    return plan;
  }
  const gainDb = Math.max(-MAX_GAIN_DB, Math.min(MAX_GAIN_DB, LOUDNESS_TARGET_LUFS - measuredLufs));
  if (Math.abs(gainDb) < 0.5) return plan;
  const gained = (a: AudioPlan): AudioPlan => ({
    ...a,
    gainDb: Math.round(gainDb * 100) / 100,
    copy: false,
    channels: 2,
  });
  return { ...plan, audio: gained(plan.audio), alternateAudio: plan.alternateAudio.map(gained) };
}

/** The largest width or height a JPEG can state: no sprite sheet is larger. */
const JPEG_MAX_SIDE = 65_535;

function storyboardPlan(video: VideoStreamInfo, durationSeconds: number): StoryboardPlan {
  const intervalSeconds = Math.max(1, Math.ceil(durationSeconds / 100));
  const count = Math.max(1, Math.ceil(durationSeconds / intervalSeconds));
  const tileWidth = 160;
  // A picture far taller than wide (a 1:50 strip) gets tiles at most ten times taller than wide.
  const tileHeight = Math.min(10 * tileWidth, even((tileWidth * video.displayHeight) / video.displayWidth));
  const columns = Math.min(10, count);
  // Tiles past JPEG's limit go on further sheets (the tile filter starts a new one when full).
  const rows = Math.min(Math.ceil(count / columns), Math.floor(JPEG_MAX_SIDE / tileHeight));
  return { intervalSeconds, tileWidth, tileHeight, columns, rows, count };
}

/**
 * The stream with what its packets say about its frame rate: uneven frame times make it variable
 * even where the container reports one steady rate (Matroska does), and the average then comes
 * from the frames themselves.
 */
function withScannedRate(video: VideoStreamInfo, scanned: StreamScan['frameRate']): VideoStreamInfo {
  if (!scanned?.variable || video.variableFrameRate) return video;
  return { ...video, variableFrameRate: true, averageFrameRate: scanned.average };
}

/** What planning knows beside the probe and the keyframes. */
export interface PlanInputs {
  /** The packet scan of the source, by stream index (see packet-scan.ts). */
  streams?: ReadonlyMap<number, StreamScan>;
  /** Audio tracks measured silent, by stream index. */
  silentAudio?: ReadonlySet<number>;
  /** Languages to prefer for the default audio track, best first (BCP 47). */
  preferredLanguages?: readonly string[];
  /** Bring the sound to LOUDNESS_TARGET_LUFS (the gain is set by withLoudness once measured). */
  normalizeLoudness?: boolean;
}

/**
 * Everything processing will do, decided from the probe, the source's keyframe times and what
 * else was measured (`inputs`).
 *
 * @example planProcessing(probe, [0, 2, 4, 6]).video?.rungs.map((r) => r.name) // ['1080p', '720p', ...]
 */
export function planProcessing(
  probe: ProbeResult,
  keyframes: readonly number[],
  inputs: PlanInputs = {},
): ProcessingPlan {
  const duration = probe.durationSeconds;
  const chosen = chooseAudio(probe.audio, inputs.silentAudio, inputs.preferredLanguages);
  const tracks = probe.audio.map((track, i) => audioPlan(track, track === chosen, i + 1, probe, inputs));
  const audio = tracks.find((t) => t.isDefault) ?? null;
  const common = {
    durationSeconds: duration,
    segmentSeconds: SEGMENT_SECONDS,
    audio,
    alternateAudio: tracks.filter((t) => !t.isDefault),
    normalizeLoudness: inputs.normalizeLoudness ?? false,
  };
  if (!probe.video) {
    return {
      ...common,
      video: null,
      audioPoster:
        probe.coverArtIndex !== null
          ? { kind: 'cover-art', streamIndex: probe.coverArtIndex }
          : audio
            ? { kind: 'waveform' }
            : null,
      storyboard: null,
      posterAtSeconds: null,
    };
  }
  const scanned = inputs.streams?.get(probe.video.index);
  const video = withScannedRate(probe.video, scanned?.frameRate ?? null);
  const frameRate = outputFrameRate(video);
  const peak = scanned?.peakBitrate ?? null;
  const refusal = passthroughRefusal(video, keyframes, duration, peak);
  const rungs = ladder(video, frameRate, refusal === null);
  return {
    ...common,
    video: {
      sourceIndex: video.index,
      passthroughRefusal: refusal,
      frameRate,
      rungs,
      firstRung: refusal === null ? null : firstRungOf(rungs, duration, frameRate),
      keyframes:
        refusal === null
          ? { kind: 'source', times: [...keyframes] }
          : { kind: 'every', seconds: SEGMENT_SECONDS },
      deinterlace: video.interlaced,
      toneMap: toneMapPlan(video),
      colorMatrix601:
        video.colorSpace === 'smpte170m'
          ? 'bt601-6-525'
          : video.colorSpace === 'bt470bg'
            ? 'bt601-6-625'
            : null,
      closedCaptions: video.closedCaptions,
    },
    audioPoster: null,
    storyboard: storyboardPlan(video, duration),
    posterAtSeconds: Math.min(Math.max(0, duration - 1), Math.max(1, duration * 0.1)),
  };
}
