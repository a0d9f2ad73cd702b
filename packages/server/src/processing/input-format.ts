/**
 * The container formats Kino reads from users, by ffmpeg demuxer name. Each reads the one file it
 * is given and nothing else: what cameras, phones, screen recorders, editors and broadcast tools
 * write (MP4/MOV/3GP, Matroska/WebM, MPEG-TS and -PS, AVI, FLV, ASF/WMV, MXF) and plain audio files
 * (MP3, WAV, AIFF, Ogg, FLAC, ADTS AAC).
 *
 * Left out on purpose: demuxers that open other files or URLs named inside the input (hls, dash,
 * concat, the image2 sequence reader, sdp/rtp/rtsp, the tee-like ones), generators and devices
 * (lavfi, tty, v4l2, x11grab), metadata and subtitle formats (ffmetadata, srt, ass), single images
 * (jpeg_pipe, png_pipe, gif) and raw elementary streams (h264, hevc), which carry no timing.
 */
export const ALLOWED_DEMUXERS = [
  'mov',
  'matroska',
  'mpegts',
  'mpeg',
  'avi',
  'flv',
  'asf',
  'mxf',
  'mp3',
  'wav',
  'aiff',
  'ogg',
  'flac',
  'aac',
] as const;

/**
 * Options that go before `-i` of every ffprobe/ffmpeg run on a user's file: only the file and pipe
 * protocols, and only the allowed demuxers. ffmpeg checks the detected demuxer against the list
 * before the demuxer reads anything (so a playlist never opens its entries).
 */
export const UNTRUSTED_INPUT = [
  '-protocol_whitelist',
  'file,pipe',
  '-format_whitelist',
  ALLOWED_DEMUXERS.join(','),
];

/**
 * The demuxer to force (`-f`) on later runs over a source that ffprobe read as `formatName`
 * (ffprobe names a demuxer by all its aliases, "mov,mp4,m4a,3gp,3g2,mj2"), or null when that
 * demuxer is not allowed.
 *
 * @example demuxerOf('matroska,webm') // 'matroska'
 */
export function demuxerOf(formatName: string): string | null {
  const names = formatName.split(',').map((n) => n.trim());
  return ALLOWED_DEMUXERS.find((allowed) => names.includes(allowed)) ?? null;
}

/** What a person is told about a file in a format Kino does not read. */
export const UNSUPPORTED_FORMAT_MESSAGE =
  'This file is a playlist, an image, or another format Kino does not accept as a video or audio file.';

/** ffmpeg's words when the detected demuxer is not on the list. */
export const FORMAT_REFUSED = /Format not on whitelist/;
