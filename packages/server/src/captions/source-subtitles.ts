import path from 'node:path';
import { z } from 'zod';
import { UNTRUSTED_INPUT } from '../processing/input-format.ts';

/**
 * Subtitle codecs whose text ffmpeg converts to WebVTT; bitmap ones (PGS, DVB) are not text.
 * eia_608 is a QuickTime closed-caption track (`c608`): ffmpeg decodes its channel CC1.
 */
export const TEXT_SUBTITLE_CODECS = new Set([
  'mov_text',
  'subrip',
  'srt',
  'ass',
  'ssa',
  'webvtt',
  'text',
  'eia_608',
]);

/** 608 closed captions: always for the deaf and hard of hearing, channel CC1 the one decoded. */
export const CLOSED_CAPTION_CODEC = 'eia_608';

/** A text subtitle stream of a source, as a track can be made from it. */
export interface SourceSubtitle {
  /** Position among the source's subtitle streams (ffmpeg's `0:s:N`). */
  ordinal: number;
  codec: string;
  /** A canonical BCP 47 tag, or 'und' when the stream names no valid language. */
  language: string;
  title: string | null;
  isDefault: boolean;
  /** Marked for the deaf and hard of hearing: captions rather than subtitles. */
  hearingImpaired: boolean;
}

/**
 * ffprobe's listing of subtitle streams (`subtitleProbeArgs`): the source is a user's file, read
 * through the file protocol and the allowed demuxers only, `demuxer` forced when processing knows it.
 */
export function subtitleProbeArgs(source: string, demuxer?: string): string[] {
  return [
    '-v',
    'error',
    ...UNTRUSTED_INPUT,
    ...(demuxer === undefined ? [] : ['-f', demuxer]),
    '-select_streams',
    's',
    '-show_entries',
    'stream=index,codec_name:stream_tags=language,title:stream_disposition=default,hearing_impaired',
    '-of',
    'json',
    source,
  ];
}

const probeSchema = z.object({
  streams: z
    .array(
      z.object({
        codec_name: z.string().optional(),
        tags: z.object({ language: z.string().optional(), title: z.string().optional() }).optional(),
        disposition: z
          .object({ default: z.number().optional(), hearing_impaired: z.number().optional() })
          .optional(),
      }),
    )
    .default([]),
});

function languageOf(tag: string | undefined): string {
  if (!tag) return 'und';
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? 'und';
  } catch {
    return 'und';
  }
}

/** The text subtitle streams in ffprobe's JSON (in stream order; others keep their ordinal). */
export function parseSubtitleStreams(json: string): SourceSubtitle[] {
  const { streams } = probeSchema.parse(JSON.parse(json));
  return streams.flatMap((s, ordinal) => {
    const codec = s.codec_name ?? '';
    if (!TEXT_SUBTITLE_CODECS.has(codec)) return [];
    const title = s.tags?.title?.trim();
    return [
      {
        ordinal,
        codec,
        language: languageOf(s.tags?.language),
        title: title ? title.slice(0, 100) : null,
        isDefault: s.disposition?.default === 1,
        hearingImpaired: s.disposition?.hearing_impaired === 1,
      },
    ];
  });
}

/** Where extractSubtitlesArgs writes a stream's WebVTT. */
export const extractedFile = (dir: string, ordinal: number) => path.join(dir, `subtitles-${ordinal}.vtt`);

/**
 * One ffmpeg run that converts each listed subtitle stream to its own WebVTT file. Timestamps
 * keep ffmpeg's default shift of the input's start to zero, as the renditions do, so a cue at t
 * lines up with the frame at t.
 */
export function extractSubtitlesArgs(
  source: string,
  streams: readonly SourceSubtitle[],
  dir: string,
  demuxer?: string,
): string[] {
  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-protocol_whitelist', 'file,pipe'];
  args.push(...(demuxer === undefined ? [] : ['-f', demuxer]), '-i', source);
  for (const s of streams) {
    args.push('-map', `0:s:${s.ordinal}`, '-c:s', 'webvtt', '-f', 'webvtt', extractedFile(dir, s.ordinal));
  }
  return args;
}
