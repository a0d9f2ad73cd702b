/**
 * The ffmpeg command that packages one publisher session: FLV on stdin, CMAF (fMP4) segments
 * out, one folder per track, each with ffmpeg's own playlist (which Kino only reads to learn of
 * finished segments; the playlists players get are Kino's, see live-playlists.ts). Pure.
 */

export interface PublishedTracks {
  /** What the publisher's video is: H.264 passes through; anything else needs an encode. */
  video: 'h264' | 'other' | null;
  audio: 'aac' | 'other' | null;
  /** The publisher's picture height, when its metadata said (for the ladder). */
  height: number | null;
}

export interface PackagerPlan {
  args: string[];
  /** The tracks' folder names, as in `var_stream_map`. */
  tracks: { id: string; kind: 'video' | 'audio' }[];
}

export type PlanRefusal = { refused: 'unsupported_live_codec'; message: string };

/** Rungs of the live ladder, highest first; only those below the source are made. */
const LADDER = [
  { id: 'v720', height: 720, bitrate: 2_800_000 },
  { id: 'v480', height: 480, bitrate: 1_200_000 },
  { id: 'v360', height: 360, bitrate: 700_000 },
];

export function segmentSecondsFor(latency: 'standard' | 'low'): number {
  return latency === 'low' ? 1 : 4;
}

/**
 * @example planPackager({ video: 'h264', audio: 'aac', height: 720 }, { latency: 'standard', ladder: 'passthrough', outDir: '/w/p0' })
 */
export function planPackager(
  input: PublishedTracks,
  opts: { latency: 'standard' | 'low'; ladder: 'passthrough' | 'abr'; outDir: string },
): PackagerPlan | PlanRefusal {
  if (input.video === null) {
    return { refused: 'unsupported_live_codec', message: 'the publisher sends no video' };
  }
  const encode = opts.ladder === 'abr';
  if (input.video !== 'h264' && !encode) {
    return {
      refused: 'unsupported_live_codec',
      message:
        'the publisher sends video that is not H.264: send H.264, or use the stream option ladder "abr"',
    };
  }
  const seconds = segmentSecondsFor(opts.latency);
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'flv', '-i', 'pipe:0'];
  const tracks: PackagerPlan['tracks'] = [];
  const streamMap: string[] = [];
  if (encode) {
    const sourceHeight = input.height ?? 720;
    const rungs = LADDER.filter((r) => r.height <= sourceHeight);
    const lowest = LADDER[LADDER.length - 1];
    const chosen = rungs.length || !lowest ? rungs : [lowest];
    const split = chosen.map((_, i) => `[s${i}]`).join('');
    const scales = chosen.map((r, i) => `[s${i}]scale=-2:${r.height}[o${i}]`).join(';');
    args.push('-filter_complex', `[0:v:0]split=${chosen.length}${split};${scales}`);
    chosen.forEach((r, i) => {
      args.push('-map', `[o${i}]`);
      args.push(`-c:v:${i}`, 'libx264', `-b:v:${i}`, String(r.bitrate), `-maxrate:v:${i}`, String(r.bitrate));
      args.push(`-bufsize:v:${i}`, String(r.bitrate * 2));
      tracks.push({ id: r.id, kind: 'video' });
      streamMap.push(`v:${i},agroup:aud,name:${r.id}`);
    });
    // Keyframes on segment boundaries in every rung, so players switch at any segment.
    args.push('-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p');
    args.push('-force_key_frames', `expr:gte(t,n_forced*${seconds})`, '-sc_threshold', '0');
  } else {
    args.push('-map', '0:v:0', '-c:v', 'copy');
    tracks.push({ id: 'video', kind: 'video' });
    streamMap.push('v:0,agroup:aud,name:video');
  }
  if (input.audio !== null) {
    args.push('-map', '0:a:0');
    // AAC passes through; anything else is made AAC (cheap) so every player can play it.
    if (input.audio === 'aac') args.push('-c:a', 'copy');
    else args.push('-c:a', 'aac', '-b:a', '128k', '-ar', '48000');
    tracks.push({ id: 'audio', kind: 'audio' });
    streamMap.push(`a:0,agroup:aud,name:audio`);
  }
  args.push(
    '-f',
    'hls',
    '-hls_time',
    String(seconds),
    '-hls_list_size',
    '0',
    '-hls_segment_type',
    'fmp4',
    '-hls_fmp4_init_filename',
    'init.mp4',
    '-hls_flags',
    'temp_file',
    '-hls_segment_filename',
    `${opts.outDir}/%v/%d.m4s`,
    '-var_stream_map',
    streamMap.map((m) => (input.audio === null ? m.replace(',agroup:aud', '') : m)).join(' '),
    `${opts.outDir}/%v/index.m3u8`,
  );
  return { args, tracks };
}

/** A finished segment in ffmpeg's own playlist. */
export interface PackagedSegment {
  file: string;
  durationMs: number;
}

/** The init file and finished segments ffmpeg's playlist lists, in order. */
export function readPackagerPlaylist(text: string): { init: string | null; segments: PackagedSegment[] } {
  let init: string | null = null;
  const segments: PackagedSegment[] = [];
  let duration: number | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const map = /^#EXT-X-MAP:URI="([^"/]+)"/.exec(line);
    if (map?.[1]) init = map[1];
    const inf = /^#EXTINF:([\d.]+),/.exec(line);
    if (inf?.[1]) duration = Number(inf[1]);
    else if (line && !line.startsWith('#') && duration !== null) {
      if (/^\d+\.m4s$/.test(line)) segments.push({ file: line, durationMs: Math.round(duration * 1000) });
      duration = null;
    }
  }
  return { init, segments };
}
