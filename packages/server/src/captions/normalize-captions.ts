import { CaptionsError, type CaptionFormat, type Cue } from './caption-cue.ts';
import { decodeCaptionText, type TextEncoding } from './decode-text.ts';
import { parseSrt } from './parse-srt.ts';
import { parseTtml } from './parse-ttml.ts';
import { parseVtt } from './parse-vtt.ts';
import { writeVtt } from './write-vtt.ts';

export interface NormalizedCaptions {
  format: CaptionFormat;
  encoding: TextEncoding;
  cues: Cue[];
  /** The track as Kino stores and serves it. */
  vtt: string;
}

/** The format of a caption file from its first characters: WEBVTT, an XML document, or SubRip. */
export function detectFormat(text: string): CaptionFormat | null {
  const start = text.trimStart();
  if (/^WEBVTT(?:[ \t\r\n]|$)/.test(start)) return 'vtt';
  if (start.startsWith('<') && /<(?:[\w-]+:)?tt[\s>]/.test(start.slice(0, 4096))) return 'ttml';
  if (/^\d+\s*(?:\r\n|\r|\n)\s*\S+\s*-->/.test(start) || /^\S+\s*-->/.test(start)) return 'srt';
  return null;
}

/**
 * A caption file (WebVTT, SubRip or TTML/DFXP, in any of the encodings decodeCaptionText knows)
 * as normalised WebVTT and its cues. `format` overrides detection. Throws CaptionsError when the
 * file cannot be read or holds no cue.
 */
export function normalizeCaptions(bytes: Uint8Array, format?: CaptionFormat): NormalizedCaptions {
  const { text, encoding } = decodeCaptionText(bytes);
  const body = text.replace(/^\uFEFF/, '');
  const kind = format ?? detectFormat(body);
  if (!kind) {
    throw new CaptionsError(1, 'not a WebVTT, SubRip or TTML file (name the format to read it as one)');
  }
  const cues = kind === 'vtt' ? parseVtt(body) : kind === 'srt' ? parseSrt(body) : parseTtml(body);
  if (cues.length === 0) throw new CaptionsError(null, 'the file holds no cue with text');
  return { format: kind, encoding, cues, vtt: writeVtt(cues) };
}
