import { z } from 'zod';

/** Where one rendition's bytes are inside its single CMAF file. */
export interface Segment {
  /** Seconds. */
  duration: number;
  offset: number;
  length: number;
}

export interface RenditionIndex {
  /** Bytes 0..initLength-1 are the init segment (ftyp + moov). */
  initLength: number;
  segments: Segment[];
}

/** A published rendition: its file, its byte index and what players need to choose it. */
export interface PublishedRendition {
  id: string;
  kind: 'video' | 'audio';
  file: string;
  codec: string;
  width: number | null;
  height: number | null;
  frameRate: number | null;
  index: RenditionIndex;
  /**
   * The media time (seconds) at which the presentation starts: its first segment's decode time.
   * Absent (zero) in versions written before renditions carried an offset.
   */
  timeOffsetSeconds?: number;
  /** Audio: BCP 47 language of the track, when the source names one. */
  language?: string | null;
  /** Audio: what players list the track as. */
  name?: string;
  /** Audio: the track players start with (absent: the first audio rendition is). */
  isDefault?: boolean;
  /** Audio: channel count (absent: 2). */
  channels?: number;
  /** Audio: integrated loudness of the source track (LUFS, EBU R128), when measured. */
  loudnessLufs?: number | null;
  /** Video: its pictures carry CEA-608 captions (channel CC1), declared in the master. */
  closedCaptions?: boolean;
}

/**
 * What a published version serves, stored as JSON beside its files. Only names listed here are
 * ever served from the version's prefix.
 */
export interface PlaybackIndex {
  durationSeconds: number;
  renditions: PublishedRendition[];
  poster: string | null;
  storyboard: {
    sheets: string[];
    intervalSeconds: number;
    tileWidth: number;
    tileHeight: number;
    columns: number;
    perSheet: number;
    count: number;
  } | null;
  download: string | null;
}

const segmentSchema = z.object({ duration: z.number(), offset: z.number(), length: z.number() });

export const playbackIndexSchema: z.ZodType<PlaybackIndex> = z.object({
  durationSeconds: z.number(),
  renditions: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(['video', 'audio']),
      file: z.string(),
      codec: z.string(),
      width: z.number().nullable(),
      height: z.number().nullable(),
      frameRate: z.number().nullable(),
      index: z.object({ initLength: z.number(), segments: z.array(segmentSchema) }),
      timeOffsetSeconds: z.number().optional(),
      language: z.string().nullable().optional(),
      name: z.string().optional(),
      isDefault: z.boolean().optional(),
      channels: z.number().optional(),
      loudnessLufs: z.number().nullable().optional(),
      closedCaptions: z.boolean().optional(),
    }),
  ),
  poster: z.string().nullable(),
  storyboard: z
    .object({
      sheets: z.array(z.string()),
      intervalSeconds: z.number(),
      tileWidth: z.number(),
      tileHeight: z.number(),
      columns: z.number(),
      perSheet: z.number(),
      count: z.number(),
    })
    .nullable(),
  download: z.string().nullable(),
});

/** The API's summary of a rendition (the media object's `renditions`). */
export interface RenditionSummary {
  kind: 'video' | 'audio';
  width: number | null;
  height: number | null;
  bitrate: number | null;
  codec: string;
  /** Audio, the default track: integrated loudness of the source (LUFS), when measured. */
  loudnessLufs?: number | null;
}

export function summarize(index: PlaybackIndex): RenditionSummary[] {
  return index.renditions.map((r) => {
    const bytes = r.index.segments.reduce((sum, s) => sum + s.length, 0);
    const seconds = r.index.segments.reduce((sum, s) => sum + s.duration, 0);
    return {
      kind: r.kind,
      width: r.width,
      height: r.height,
      bitrate: seconds > 0 ? Math.round((bytes * 8) / seconds) : null,
      codec: r.codec,
      ...(r.loudnessLufs != null && { loudnessLufs: r.loudnessLufs }),
    };
  });
}
