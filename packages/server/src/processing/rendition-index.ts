import type { RenditionIndex, Segment } from '../media/playback-index.ts';

/**
 * Reads the byte ranges out of the playlist ffmpeg's HLS muxer writes in single-file fMP4 mode
 * (EXT-X-MAP with BYTERANGE, then EXTINF + EXT-X-BYTERANGE per segment).
 */
export function parseFfmpegPlaylist(text: string): RenditionIndex {
  const map = /#EXT-X-MAP:.*BYTERANGE="(\d+)@(\d+)"/.exec(text);
  if (!map?.[1] || map[2] !== '0') throw new Error('the playlist has no init segment at offset 0');
  const segments: Segment[] = [];
  let duration: number | null = null;
  for (const line of text.split('\n')) {
    const extinf = /^#EXTINF:([\d.]+)/.exec(line);
    if (extinf?.[1]) duration = Number(extinf[1]);
    const range = /^#EXT-X-BYTERANGE:(\d+)@(\d+)/.exec(line);
    if (range?.[1] && range[2]) {
      if (duration === null) throw new Error('a byte range without a duration');
      segments.push({ duration, length: Number(range[1]), offset: Number(range[2]) });
      duration = null;
    }
  }
  if (segments.length === 0) throw new Error('the playlist has no segments');
  return { initLength: Number(map[1]), segments };
}

const hex = (b: number | undefined) => (b ?? 0).toString(16).padStart(2, '0');

/**
 * The RFC 6381 codec string of a video init segment: its sample entry (avc1, or avc3 when the
 * parameter sets travel in the stream) and its avcC box's profile, compatibility flags and level,
 * e.g. 'avc1.64001f'.
 */
export function avcCodecString(init: Buffer): string {
  const at = init.indexOf('avcC');
  if (at < 0 || at + 8 > init.length) return 'avc1.640028';
  const entry = init.indexOf('avc3') >= 0 && init.indexOf('avc1') < 0 ? 'avc3' : 'avc1';
  return `${entry}.${hex(init[at + 5])}${hex(init[at + 6])}${hex(init[at + 7])}`;
}

/** Reads an MPEG-4 descriptor header (tag, then a length of up to four 7-bit bytes). */
function descriptor(buf: Buffer, at: number): { tag: number; body: number; end: number } | null {
  if (at >= buf.length) return null;
  const tag = buf[at] ?? 0;
  let length = 0;
  let i = at + 1;
  for (let n = 0; n < 4 && i < buf.length; n++) {
    const b = buf[i++] ?? 0;
    length = (length << 7) | (b & 0x7f);
    if ((b & 0x80) === 0) break;
  }
  return { tag, body: i, end: i + length };
}

/**
 * The RFC 6381 codec string of an audio init segment, from its esds box: 'mp4a.40.<audio object
 * type>' for AAC (2 for AAC-LC, 5 for HE-AAC), 'mp4a.<object type>' for other MPEG-4 audio.
 */
export function mp4aCodecString(init: Buffer): string {
  const fallback = 'mp4a.40.2';
  const at = init.indexOf('esds');
  if (at < 0) return fallback;
  // ES_Descriptor (3): ES_ID (2 bytes) and flags saying which optional fields follow.
  const es = descriptor(init, at + 8);
  if (es?.tag !== 3) return fallback;
  const flags = init[es.body + 2] ?? 0;
  let next = es.body + 3;
  if (flags & 0x80) next += 2;
  if (flags & 0x40) next += 1 + (init[next] ?? 0);
  if (flags & 0x20) next += 2;
  // DecoderConfigDescriptor (4): objectTypeIndication, then 12 bytes, then DecoderSpecificInfo (5).
  const config = descriptor(init, next);
  if (config?.tag !== 4) return fallback;
  const objectType = init[config.body] ?? 0;
  if (objectType !== 0x40) return `mp4a.${hex(objectType).toUpperCase()}`;
  const specific = descriptor(init, config.body + 13);
  if (specific?.tag !== 5) return fallback;
  let audioObjectType = (init[specific.body] ?? 0) >> 3;
  if (audioObjectType === 31) {
    const b0 = init[specific.body] ?? 0;
    const b1 = init[specific.body + 1] ?? 0;
    audioObjectType = 32 + (((b0 & 0x07) << 3) | (b1 >> 5));
  }
  return audioObjectType > 0 ? `mp4a.40.${audioObjectType}` : fallback;
}
