import { z } from 'zod';
import { PermanentJobError } from '../jobs/job-errors.ts';
import { pictureRefusal } from './picture-limits.ts';
import type { AudioStreamInfo, ProbeResult, VideoStreamInfo } from './probe-result.ts';

/** Why a source cannot become a media, in words a person understands; ends the media `errored`. */
export class MediaRejectedError extends PermanentJobError {
  override name = 'MediaRejectedError';
  constructor(
    readonly code: 'unsupported_media' | 'corrupt_media',
    message: string,
  ) {
    super(message);
  }
}

const num = z.union([z.number(), z.string()]).transform((v) => Number(v));

const streamSchema = z
  .object({
    index: z.number().int(),
    codec_type: z.string().optional(),
    codec_name: z.string().optional(),
    profile: z.string().optional(),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    pix_fmt: z.string().optional(),
    bits_per_raw_sample: num.optional(),
    sample_aspect_ratio: z.string().optional(),
    r_frame_rate: z.string().optional(),
    avg_frame_rate: z.string().optional(),
    field_order: z.string().optional(),
    color_transfer: z.string().optional(),
    color_primaries: z.string().optional(),
    color_space: z.string().optional(),
    level: z.number().optional(),
    bit_rate: num.optional(),
    channels: z.number().int().optional(),
    sample_rate: num.optional(),
    duration: num.optional(),
    start_time: num.optional(),
    closed_captions: z.number().int().optional(),
    disposition: z
      .object({ default: z.number().optional(), attached_pic: z.number().optional() })
      .loose()
      .optional(),
    tags: z.record(z.string(), z.string()).optional(),
    side_data_list: z
      .array(
        z
          .object({
            rotation: z.number().optional(),
            max_content: num.optional(),
            max_luminance: z.union([z.number(), z.string()]).optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose();

const probeSchema = z.object({
  streams: z.array(streamSchema).default([]),
  format: z
    .object({
      format_name: z.string(),
      duration: num.optional(),
      start_time: num.optional(),
      size: num.optional(),
      bit_rate: num.optional(),
    })
    .loose()
    .optional(),
});

function ratio(value: string | undefined): number | null {
  const m = /^(\d+)[/:](\d+)$/.exec(value ?? '');
  if (!m) return null;
  const [n, d] = [Number(m[1]), Number(m[2])];
  return d > 0 && n > 0 ? n / d : null;
}

function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : null;
}

/** A timestamp: any finite number (audio often starts a little before zero). */
function time(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/**
 * The brightest light (cd/m²) an HDR stream says it holds: its content light level (MaxCLL), else
 * its mastering display's peak; null when it carries neither.
 */
function peakLuminanceOf(stream: z.infer<typeof streamSchema>): number | null {
  const sides = stream.side_data_list ?? [];
  const cll = sides.map((s) => finite(s.max_content)).find((v) => v !== null);
  if (cll) return cll;
  for (const side of sides) {
    const raw = side.max_luminance;
    const value = typeof raw === 'number' ? raw : (ratio(raw) ?? Number(raw));
    if (finite(value)) return value;
  }
  return null;
}

/** ffprobe reports counter-clockwise display-matrix angles (-90 for a phone held upright). */
function rotationOf(stream: z.infer<typeof streamSchema>): number {
  const fromSide = stream.side_data_list?.find((s) => s.rotation !== undefined)?.rotation;
  const fromTag = stream.tags?.rotate !== undefined ? -Number(stream.tags.rotate) : undefined;
  const ccw = fromSide ?? fromTag ?? 0;
  const clockwise = (((-Math.round(ccw / 90) * 90) % 360) + 360) % 360;
  return clockwise;
}

function chromaOf(pixelFormat: string): string | null {
  const m = /yuvj?(4[24][04])/.exec(pixelFormat);
  return m?.[1] ?? (pixelFormat.startsWith('nv12') ? '420' : null);
}

function bitDepthOf(pixelFormat: string, raw: number | undefined): number {
  const m = /p(\d{2})(le|be)$/.exec(pixelFormat);
  if (m?.[1]) return Number(m[1]);
  return raw && raw > 0 ? raw : 8;
}

function videoOf(stream: z.infer<typeof streamSchema>): VideoStreamInfo | null {
  if (!stream.width || !stream.height || !stream.codec_name) return null;
  const pixelFormat = stream.pix_fmt ?? 'unknown';
  const rotation = rotationOf(stream);
  const sar = ratio(stream.sample_aspect_ratio) ?? 1;
  const squareWidth = Math.round(stream.width * sar);
  const quarter = rotation === 90 || rotation === 270;
  const frameRate = ratio(stream.r_frame_rate);
  const averageFrameRate = ratio(stream.avg_frame_rate);
  return {
    index: stream.index,
    codec: stream.codec_name,
    profile: stream.profile ?? null,
    pixelFormat,
    bitDepth: bitDepthOf(pixelFormat, stream.bits_per_raw_sample),
    chroma: chromaOf(pixelFormat),
    width: stream.width,
    height: stream.height,
    rotation,
    displayWidth: quarter ? stream.height : squareWidth,
    displayHeight: quarter ? squareWidth : stream.height,
    frameRate,
    averageFrameRate,
    // r_frame_rate is the finest timebase-derived rate; a different average means uneven frame times.
    variableFrameRate:
      frameRate !== null &&
      averageFrameRate !== null &&
      Math.abs(frameRate - averageFrameRate) / frameRate > 0.01,
    interlaced: ['tt', 'bb', 'tb', 'bt'].includes(stream.field_order ?? ''),
    sampleAspectRatio: sar,
    colorTransfer: stream.color_transfer ?? null,
    colorPrimaries: stream.color_primaries ?? null,
    colorSpace: stream.color_space ?? null,
    level: stream.level ?? null,
    bitrate: finite(stream.bit_rate),
    startTime: time(stream.start_time),
    peakLuminance: peakLuminanceOf(stream),
    closedCaptions: stream.closed_captions === 1,
  };
}

function audioOf(stream: z.infer<typeof streamSchema>): AudioStreamInfo | null {
  if (!stream.codec_name || !stream.channels) return null;
  return {
    index: stream.index,
    codec: stream.codec_name,
    profile: stream.profile ?? null,
    channels: stream.channels,
    sampleRate: stream.sample_rate ?? 0,
    language: stream.tags?.language && stream.tags.language !== 'und' ? stream.tags.language : null,
    title: stream.tags?.title?.trim() || null,
    isDefault: stream.disposition?.default === 1,
    bitrate: finite(stream.bit_rate),
    startTime: time(stream.start_time),
    durationSeconds: finite(stream.duration),
  };
}

/**
 * Turns ffprobe's JSON into a ProbeResult, or throws MediaRejectedError when the file holds no
 * playable stream or a picture larger than Kino accepts (see picture-limits.ts). Cover art (an
 * attached picture) is not video.
 */
export function parseProbe(json: unknown): ProbeResult {
  const parsed = probeSchema.safeParse(json);
  if (!parsed.success || !parsed.data.format) {
    throw new MediaRejectedError(
      'unsupported_media',
      'This file is not a video or audio file Kino can read.',
    );
  }
  const { streams, format } = parsed.data;
  const videoStream = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const coverArt = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic === 1);
  const video = videoStream ? videoOf(videoStream) : null;
  const audio = streams
    .filter((s) => s.codec_type === 'audio')
    .map(audioOf)
    .filter((a): a is AudioStreamInfo => a !== null);
  const refusal = video && pictureRefusal(video);
  if (refusal) throw new MediaRejectedError('unsupported_media', refusal);
  if (!video && audio.length === 0) {
    throw new MediaRejectedError(
      'unsupported_media',
      'This file has no video or audio stream Kino can play.',
    );
  }
  const streamDurations = streams.map((s) => finite(s.duration)).filter((d): d is number => d !== null);
  const durationSeconds =
    finite(format.duration) ?? (streamDurations.length ? Math.max(...streamDurations) : null);
  if (durationSeconds === null) {
    throw new MediaRejectedError(
      'corrupt_media',
      'This file has no readable duration; it may be cut short or damaged.',
    );
  }
  return {
    formatName: format.format_name,
    durationSeconds,
    startTime: time(format.start_time),
    sizeBytes: finite(format.size),
    bitrate: finite(format.bit_rate),
    video,
    audio,
    coverArtIndex: coverArt?.index ?? null,
    eia608Track: streams.some((s) => s.codec_type === 'subtitle' && s.codec_name === 'eia_608'),
  };
}
