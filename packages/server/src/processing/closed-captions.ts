import { z } from 'zod';
import { runMediaTool, type RunOptions } from './media-tools.ts';
import { UNTRUSTED_INPUT } from './input-format.ts';

/**
 * CEA-608 captions inside the video stream (ATSC A/53 caption data in H.264/HEVC/MPEG-2 SEI or user
 * data), as broadcast captures and many cameras carry them. ffprobe only knows they are there once
 * it has decoded a frame that carries them, so the check decodes the first frames of the stream.
 */

/**
 * Frames decoded to look for caption data: A/53 sends cc_data with every picture while captions
 * run (padding when there is no text), so a few frames tell, at a fraction of a second.
 */
export const CAPTION_CHECK_FRAMES = 10;

/** Codecs whose decoders in ffmpeg export A/53 caption data. */
const CAPTION_CARRIERS = new Set(['h264', 'hevc', 'mpeg2video']);

export const mayCarryClosedCaptions = (codec: string) => CAPTION_CARRIERS.has(codec);

/** ffprobe decoding the first frames of `stream` (an index or specifier), then whether it saw captions. */
export function closedCaptionsProbeArgs(file: string, stream: number | string, demuxer?: string): string[] {
  return [
    '-v',
    'error',
    ...UNTRUSTED_INPUT,
    ...(demuxer === undefined ? [] : ['-f', demuxer]),
    '-select_streams',
    String(stream),
    '-read_intervals',
    `%+#${CAPTION_CHECK_FRAMES}`,
    '-show_entries',
    'frame=key_frame:stream=closed_captions',
    '-of',
    'json',
    file,
  ];
}

const checkSchema = z.object({
  streams: z.array(z.object({ closed_captions: z.number().optional() }).loose()).default([]),
});

/** Whether ffprobe's JSON (closedCaptionsProbeArgs) says the stream carries captions. */
export function parseClosedCaptionsProbe(json: string): boolean {
  return checkSchema.parse(JSON.parse(json)).streams.some((s) => s.closed_captions === 1);
}

/** Whether `stream` (an index or specifier) of `file` carries 608 captions in its pictures. */
export async function checkClosedCaptions(
  file: string,
  stream: number | string,
  opts: RunOptions & { demuxer?: string | undefined },
): Promise<boolean> {
  const { demuxer, ...run } = opts;
  const out = await runMediaTool('ffprobe', closedCaptionsProbeArgs(file, stream, demuxer), run);
  return parseClosedCaptionsProbe(out);
}

/**
 * Escapes `value` for an option of a filter inside a filter graph: once for the option parser
 * (`\`, `'`, `:`), then once for the graph parser (`\`, `'`, `[`, `]`, `,`, `;`).
 */
export function filterGraphValue(value: string): string {
  const option = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/**
 * One ffmpeg run that decodes the video of `file` (Kino's own work file) and writes the CC1
 * captions it carries as WebVTT. The movie filter reads it through the file protocol and the
 * demuxer processing found (forced), as every run over a user's file does. The filter starts its
 * clock at the container's start, as the renditions do (an MPEG-TS at 1.4 s gives cues from 0).
 */
export function extractClosedCaptionsArgs(file: string, demuxer: string, out: string): string[] {
  const movie = `movie=filename=${filterGraphValue(`file:${file}`)}:format_name=${filterGraphValue(demuxer)}`;
  return [
    ...['-nostdin', '-hide_banner', '-v', 'error'],
    ...['-f', 'lavfi', '-i', `${movie}[out0+subcc]`],
    ...['-map', '0:s', '-c:s', 'webvtt'],
    ...['-f', 'webvtt', out],
  ];
}
