/** The container a file's first bytes point to; `unknown` is binary that matches no signature here. */
export type MediaFormat =
  | 'mp4'
  | 'matroska'
  | 'mpegts'
  | 'mp3'
  | 'aac'
  | 'wav'
  | 'avi'
  | 'ogg'
  | 'flv'
  | 'mpeg-ps'
  | 'mpeg-video'
  | 'flac'
  | 'asf'
  | 'aiff'
  | 'mxf'
  | 'y4m'
  | 'amr'
  | 'unknown';

export type SniffResult =
  | { media: true; format: MediaFormat }
  | { media: false; /** e.g. "HTML", "an image (PNG)" */ looksLike: string; message: string };

/** How many leading bytes sniffMedia wants (fewer is fine for a shorter file). */
export const SNIFF_BYTES = 512;

const ascii = (head: Buffer, at: number, text: string): boolean =>
  head.length >= at + text.length && head.toString('latin1', at, at + text.length) === text;
const bytes = (head: Buffer, at: number, values: number[]): boolean =>
  values.every((v, i) => head[at + i] === v);

const MP4_BOXES = ['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot'];
const ASF_GUID = [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11];
const MXF_KEY = [0x06, 0x0e, 0x2b, 0x34, 0x02, 0x05, 0x01, 0x01];

function mediaFormat(head: Buffer): MediaFormat | undefined {
  if (isUtf16Text(head)) return undefined;
  if (MP4_BOXES.some((box) => ascii(head, 4, box))) return 'mp4';
  if (bytes(head, 0, [0x1a, 0x45, 0xdf, 0xa3])) return 'matroska';
  if (
    head.length > 188 &&
    head[0] === 0x47 &&
    head[188] === 0x47 &&
    (head.length <= 376 || head[376] === 0x47)
  ) {
    return 'mpegts';
  }
  if (head.length > 196 && head[4] === 0x47 && head[196] === 0x47) return 'mpegts'; // M2TS: 192-byte packets
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return 'wav';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'AVI ')) return 'avi';
  if (ascii(head, 0, 'OggS')) return 'ogg';
  if (ascii(head, 0, 'FLV') && head[3] === 0x01) return 'flv';
  if (bytes(head, 0, [0x00, 0x00, 0x01, 0xba])) return 'mpeg-ps';
  if (bytes(head, 0, [0x00, 0x00, 0x01, 0xb3])) return 'mpeg-video';
  if (ascii(head, 0, 'fLaC')) return 'flac';
  if (ascii(head, 0, 'FORM') && (ascii(head, 8, 'AIFF') || ascii(head, 8, 'AIFC'))) return 'aiff';
  if (bytes(head, 0, ASF_GUID)) return 'asf';
  if (bytes(head, 0, MXF_KEY)) return 'mxf';
  if (ascii(head, 0, 'YUV4MPEG2 ')) return 'y4m';
  if (ascii(head, 0, '#!AMR')) return 'amr';
  if (ascii(head, 0, 'ID3')) return 'mp3';
  return frameSync(head);
}

/** An MPEG audio frame header (MP3 and its kin) or an ADTS one (AAC) at the first byte. */
function frameSync(head: Buffer): MediaFormat | undefined {
  const [b0, b1 = 0, b2 = 0] = head;
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0 || head.length < 4) return undefined;
  if ((b1 & 0xf6) === 0xf0) return 'aac';
  const version = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3;
  const bitrate = b2 >> 4;
  const sampleRate = (b2 >> 2) & 3;
  return version !== 1 && layer !== 0 && bitrate !== 15 && sampleRate !== 3 ? 'mp3' : undefined;
}

/** Names well-known files that are not media, binary or text. */
function notMedia(head: Buffer): string | undefined {
  if (bytes(head, 0, [0xff, 0xd8, 0xff])) return 'an image (JPEG)';
  if (bytes(head, 0, [0x89, 0x50, 0x4e, 0x47])) return 'an image (PNG)';
  if (ascii(head, 0, 'GIF8')) return 'an image (GIF)';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'an image (WebP)';
  if (ascii(head, 0, '%PDF')) return 'a PDF document';
  if (bytes(head, 0, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive';
  if (bytes(head, 0, [0x1f, 0x8b])) return 'a gzip-compressed file';
  if (isUtf16Text(head)) return 'text';
  return textKind(head);
}

/** A UTF-16 byte order mark followed by ASCII characters, which would otherwise pass for an MPEG audio frame. */
function isUtf16Text(head: Buffer): boolean {
  const little = bytes(head, 0, [0xff, 0xfe]);
  if (!little && !bytes(head, 0, [0xfe, 0xff])) return false;
  const end = Math.min(head.length, 64) & ~1;
  if (end < 4) return false;
  for (let i = 2; i < end; i += 2) {
    const [char, zero] = little ? [head[i], head[i + 1]] : [head[i + 1], head[i]];
    if (zero !== 0 || char === undefined || char < 0x09 || char > 0x7e) return false;
  }
  return true;
}

function textKind(head: Buffer): string | undefined {
  const start = bytes(head, 0, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  const text = head.toString('utf8', start).trimStart().toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'HTML';
  for (let i = start; i < head.length; i++) {
    const b = head[i] ?? 0;
    // Control characters other than tab, newlines, form feed and escape mean binary.
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b) || b === 0x7f) {
      return undefined;
    }
  }
  if (text.startsWith('<')) return /<(html|head|body|script|meta|title)[\s>]/.test(text) ? 'HTML' : 'XML';
  if (text.startsWith('{') || text.startsWith('[')) return 'JSON';
  if (text.startsWith('#extm3u')) return 'an HLS playlist';
  return 'text';
}

/**
 * Whether a file's first bytes (see SNIFF_BYTES) look like audio or video. Known containers are
 * named; text (HTML, JSON, XML...), images, documents, archives and empty files are refused with
 * a reason; other binary passes as `unknown`, for the probe to judge. Content-Type plays no part.
 *
 * @example sniffMedia(Buffer.from('<!DOCTYPE html>')) // { media: false, looksLike: 'HTML', message: 'not a media file: looks like HTML' }
 */
export function sniffMedia(head: Buffer): SniffResult {
  if (head.length === 0)
    return { media: false, looksLike: 'nothing', message: 'not a media file: the file is empty' };
  const format = mediaFormat(head);
  if (format !== undefined) return { media: true, format };
  const looksLike = notMedia(head);
  if (looksLike !== undefined)
    return { media: false, looksLike, message: `not a media file: looks like ${looksLike}` };
  return { media: true, format: 'unknown' };
}
