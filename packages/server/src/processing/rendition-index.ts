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

export function totalDuration(index: RenditionIndex): number {
  return index.segments.reduce((sum, s) => sum + s.duration, 0);
}

/** Peak and average bits per second over the segments, for BANDWIDTH and AVERAGE-BANDWIDTH. */
export function bandwidth(index: RenditionIndex): { peak: number; average: number } {
  let peak = 0;
  let bytes = 0;
  for (const s of index.segments) {
    bytes += s.length;
    if (s.duration > 0) peak = Math.max(peak, (s.length * 8) / s.duration);
  }
  const seconds = totalDuration(index);
  return { peak: Math.ceil(peak), average: seconds > 0 ? Math.ceil((bytes * 8) / seconds) : 0 };
}

/**
 * The RFC 6381 codec string of a video init segment, read from its avcC box
 * (profile, compatibility flags, level), e.g. 'avc1.64001f'.
 */
export function avcCodecString(init: Buffer): string {
  const at = init.indexOf('avcC');
  if (at < 0 || at + 8 > init.length) return 'avc1.640028';
  const hex = (b: number | undefined) => (b ?? 0).toString(16).padStart(2, '0');
  return `avc1.${hex(init[at + 5])}${hex(init[at + 6])}${hex(init[at + 7])}`;
}
