import path from 'node:path';
import {
  playableRungs,
  type AudioPlan,
  type KeyframePlan,
  type ProcessingPlan,
  type ToneMapPlan,
  type VideoPlan,
  type VideoRung,
} from './plan.ts';

export const INPUT = ['-nostdin', '-hide_banner', '-v', 'error', '-protocol_whitelist', 'file,pipe'];

/**
 * `-i source`, after `-f demuxer` when the probe's demuxer is known (see input-format.ts): ffmpeg
 * then reads the file with that demuxer only and cannot detect another.
 */
export const sourceInput = (source: string, demuxer: string | undefined) =>
  demuxer === undefined ? ['-i', source] : ['-f', demuxer, '-i', source];

/** The names of what processing writes into a version's folder; manifests refer to them relatively. */
export const outputs = {
  video: (rung: VideoRung) => `video-${rung.name}.mp4`,
  videoIndex: (rung: VideoRung) => `video-${rung.name}.ffmpeg.m3u8`,
  audio: 'audio.mp4',
  audioIndex: 'audio.ffmpeg.m3u8',
  /** An audio track's file: 'audio.mp4' for the default one. */
  audioTrack: (track: AudioPlan) => `${track.id}.mp4`,
  audioTrackIndex: (track: AudioPlan) => `${track.id}.ffmpeg.m3u8`,
  poster: 'poster.jpg',
  storyboardSheet: (n: number) => `storyboard-${n}.jpg`,
  download: 'download.mp4',
};

/**
 * Where the presentation starts on every rendition's media timeline (seconds): each output's
 * timestamps are the source's plus this. Renditions are muxed one by one (even by separate ffmpeg
 * runs), so letting ffmpeg lift each output's negative timestamps to zero would move each by a
 * different amount: video by its B-frame delay, audio by its encoder priming, a copied stream by
 * the GOP its edit list cuts. One fixed offset, larger than any of those, keeps every rendition on
 * the source's clock. Apple's packager uses the same 10 s; players start at the first sample (HLS)
 * or at the MPD's presentationTimeOffset (DASH).
 */
export const MEDIA_TIME_OFFSET_SECONDS = 10;

/**
 * ffmpeg's HLS muxer in single-file fMP4 mode writes one CMAF file per rendition and a playlist
 * of byte ranges; Kino reads those ranges to write its own HLS and DASH manifests over the file.
 * `frag_discont` makes the MP4 muxer put a track's start in its fragments' decode times (tfdt)
 * instead of an empty edit, which browsers' Media Source Extensions ignore.
 */
function cmafOutput(dir: string, file: string, index: string, segmentSeconds: number): string[] {
  return [
    '-output_ts_offset',
    String(MEDIA_TIME_OFFSET_SECONDS),
    '-f',
    'hls',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'single_file',
    '-hls_time',
    String(segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_segment_options',
    'movflags=+frag_discont',
    '-hls_segment_filename',
    path.join(dir, file),
    path.join(dir, index),
  ];
}

const AUDIO_RATE = 48000;

/**
 * Filters for a track that is encoded: silence where the track must start with the picture, fill
 * its holes and reach the picture's end (aresample pads to the timestamps, apad at the end), then
 * the loudness gain with a limiter that keeps peaks under -1 dBFS and delays nothing.
 */
export function audioFilters(audio: AudioPlan): string[] {
  const filters: string[] = [];
  if (audio.align) {
    const { startSeconds, endSeconds } = audio.align;
    filters.push(
      `aresample=${AUDIO_RATE}:async=1:min_hard_comp=0.01:first_pts=${Math.round(startSeconds * AUDIO_RATE)}`,
      `apad=whole_dur=${Math.max(0, endSeconds - startSeconds).toFixed(6)}`,
    );
  }
  if (audio.gainDb !== null) {
    filters.push(`volume=${audio.gainDb.toFixed(2)}dB`, 'alimiter=limit=0.891:level=0:latency=1');
  }
  return filters;
}

function audioEncoding(audio: AudioPlan): string[] {
  if (audio.copy) return ['-c:a', 'copy'];
  const filters = audioFilters(audio);
  return [
    ...(filters.length > 0 ? ['-af', filters.join(',')] : []),
    ...['-c:a', 'aac', '-profile:a', 'aac_low', '-b:a', `${audio.bitrateKbps}k`],
    ...['-ac', '2', '-ar', String(AUDIO_RATE)],
  ];
}

/** Every audio track, each into its own CMAF file (one track per file). */
function audioOutputs(plan: ProcessingPlan, dir: string): string[] {
  const tracks = plan.audio ? [plan.audio, ...plan.alternateAudio] : [];
  return tracks.flatMap((track) => [
    ...['-map', `0:${track.sourceIndex}`, ...audioEncoding(track), '-vn', '-sn', '-dn'],
    ...cmafOutput(dir, outputs.audioTrack(track), outputs.audioTrackIndex(track), plan.segmentSeconds),
  ]);
}

/**
 * The fast path to playable, in one ffmpeg run: the source's video stream copied as is (the top
 * rung) when it can pass through, else its first rung encoded at a fast preset; and every audio
 * track, copied or encoded.
 */
export function instantArgs(source: string, plan: ProcessingPlan, dir: string, demuxer?: string): string[] {
  const args = [...INPUT, ...sourceInput(source, demuxer)];
  const video = plan.video;
  const [rung] = playableRungs(plan);
  if (video && rung?.copy) {
    args.push('-map', `0:${video.sourceIndex}`, '-c:v', 'copy', '-an', '-sn', '-dn');
    args.push(...cmafOutput(dir, outputs.video(rung), outputs.videoIndex(rung), plan.segmentSeconds));
  } else if (video && rung) {
    args.push('-filter_complex', `${videoSource(video, rung)},${rungFilters(rung)}[first]`);
    args.push('-map', '[first]', ...videoEncoding(video, rung, 'superfast'));
    args.push(...cmafOutput(dir, outputs.video(rung), outputs.videoIndex(rung), plan.segmentSeconds));
  }
  args.push(...audioOutputs(plan, dir));
  return args;
}

export function forceKeyframes(keyframes: KeyframePlan): string {
  if (keyframes.kind === 'every') return `expr:gte(t,n_forced*${keyframes.seconds})`;
  // Regular source GOPs become an expression; irregular ones are listed (bounded so the argument
  // stays far below the kernel's 128 KiB limit per argument).
  const gaps = keyframes.times.slice(1).map((t, i) => t - (keyframes.times[i] ?? 0));
  const first = gaps[0];
  const regular = first !== undefined && gaps.every((g) => Math.abs(g - first) < 0.002);
  if (regular && (keyframes.times[0] ?? 0) < 0.002) return `expr:gte(t,n_forced*${first.toFixed(6)})`;
  if (keyframes.times.length > 8000) {
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 2;
    return `expr:gte(t,n_forced*${median.toFixed(6)})`;
  }
  return keyframes.times.map((t) => t.toFixed(6)).join(',');
}

/** Frames the poster is chosen from (ffmpeg's thumbnail filter picks the most typical one). */
const POSTER_CANDIDATES = 60;

/**
 * One ffmpeg process decodes the source once and encodes every rung that is not copied, plus the
 * storyboard sprite sheets and the poster. Encoded rungs put keyframes where the copied rung has
 * them, so all renditions cut into segments at the same times and players can switch between them.
 */
export function ladderArgs(source: string, plan: ProcessingPlan, dir: string, demuxer?: string): string[] {
  const video = plan.video;
  if (!video) throw new Error('an audio-only plan has no ladder');
  const encoded = video.rungs.filter((r) => !r.copy);
  const storyboard = plan.storyboard;
  const poster = plan.posterAtSeconds;
  const branches = encoded.length + (storyboard ? 1 : 0) + (poster === null ? 0 : 1);
  if (branches === 0) return [];

  const labels = Array.from({ length: branches }, (_, i) => `[b${i}]`);
  const graph = [`${videoSource(video, video.rungs[0])},split=${branches}${labels.join('')}`];
  encoded.forEach((rung, i) => {
    graph.push(`[b${i}]${rungFilters(rung)}[r${i}]`);
  });
  if (storyboard) {
    graph.push(
      `[b${encoded.length}]fps=1/${storyboard.intervalSeconds},scale=${storyboard.tileWidth}:${storyboard.tileHeight},` +
        `tile=${storyboard.columns}x${storyboard.rows}[sb]`,
    );
  }
  if (poster !== null) {
    // Chosen from frames the ladder decodes anyway: a separate run would decode them again. The
    // trimmed branch ends after its window, so the rest of the video costs it nothing.
    const width = Math.min(1280, video.rungs[0]?.width ?? 1280);
    const window = Math.ceil(POSTER_CANDIDATES / video.frameRate) + 1;
    graph.push(
      `[b${branches - 1}]trim=start=${poster.toFixed(3)}:duration=${window},` +
        `thumbnail=n=${POSTER_CANDIDATES},scale=${width}:-2,setsar=1[poster]`,
    );
  }

  const args = [
    ...INPUT,
    '-progress',
    'pipe:1',
    '-nostats',
    ...sourceInput(source, demuxer),
    '-filter_complex',
    graph.join(';'),
  ];
  encoded.forEach((rung, i) => {
    args.push(
      ...['-map', `[r${i}]`, ...videoEncoding(video, rung, 'veryfast')],
      ...cmafOutput(dir, outputs.video(rung), outputs.videoIndex(rung), plan.segmentSeconds),
    );
  });
  if (storyboard) {
    args.push(
      '-map',
      '[sb]',
      '-q:v',
      '5',
      '-f',
      'image2',
      '-start_number',
      '0',
      path.join(dir, 'storyboard-%d.jpg'),
    );
  }
  if (poster !== null) {
    args.push(
      ...['-map', '[poster]', '-frames:v', '1', '-q:v', '3'],
      ...['-f', 'image2', '-update', '1', path.join(dir, outputs.poster)],
    );
  }
  return args;
}

/** Every audio track, for a plan whose final version does not repackage the source's video. */
export function audioArgs(source: string, plan: ProcessingPlan, dir: string, demuxer?: string): string[] {
  if (!plan.audio) return [];
  return [...INPUT, ...sourceInput(source, demuxer), ...audioOutputs(plan, dir)];
}

const POSTER_SIZE = { width: 1280, height: 720 };

/**
 * An audio-only media's poster: its cover art, scaled to fit 1280x720, or a picture of its
 * waveform (the default track, whole).
 */
export function audioPosterArgs(
  source: string,
  plan: ProcessingPlan,
  dir: string,
  demuxer?: string,
): string[] {
  const poster = plan.audioPoster;
  if (!poster || (poster.kind === 'waveform' && !plan.audio)) return [];
  const { width, height } = POSTER_SIZE;
  const graph =
    poster.kind === 'cover-art'
      ? `[0:${poster.streamIndex}]scale=${width}:${height}:force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1,format=yuvj420p[poster]`
      : `[0:${plan.audio?.sourceIndex ?? 0}]showwavespic=s=${width}x${height}:split_channels=0:colors=0x8ab4f8:scale=sqrt,` +
        `format=yuvj420p[poster]`;
  return [
    ...INPUT,
    ...sourceInput(source, demuxer),
    ...['-filter_complex', graph, '-map', '[poster]', '-frames:v', '1', '-q:v', '3'],
    ...['-f', 'image2', '-update', '1', '-y', path.join(dir, outputs.poster)],
  ];
}

/**
 * The video as every rung starts from it: deinterlaced, at the output frame rate, with SDR BT.709
 * colours (HDR tone-mapped, at the top rung's size to spare the float maths; BT.601 converted).
 * Rotation is applied once, by ffmpeg when it decodes (its autorotate), and tagged on no output.
 */
export function videoSource(video: VideoPlan, top: VideoRung | undefined): string {
  const chain: string[] = [];
  if (video.deinterlace) chain.push('bwdif=mode=send_frame');
  chain.push(`fps=${video.frameRate}`);
  if (video.toneMap) chain.push(...toneMapFilters(video.toneMap, top));
  else if (video.colorMatrix601) chain.push(`colorspace=all=bt709:iall=${video.colorMatrix601}:fast=1`);
  return `[0:${video.sourceIndex}]${chain.join(',')}`;
}

/**
 * HLG or PQ to SDR BT.709. Light is made linear with SDR white at 203 cd/m² (the HDR reference
 * white of ITU-R BT.2408, where HLG puts 75 %), so SDR-graded colours keep their values; the
 * highlights above are rolled off (Möbius) into the SDR range.
 */
export function toneMapFilters(toneMap: ToneMapPlan, top: VideoRung | undefined): string[] {
  const referenceWhite = 203;
  const size = top ? `:w=${top.width}:h=${top.height}` : '';
  return [
    `zscale=tin=${toneMap.transfer}:min=bt2020nc:pin=bt2020:rin=tv:t=linear:p=bt2020:npl=${referenceWhite}${size}`,
    'format=gbrpf32le',
    'zscale=p=bt709',
    `tonemap=tonemap=mobius:param=0.6:desat=0:peak=${(toneMap.peakNits / referenceWhite).toFixed(3)}`,
    'zscale=t=bt709:m=bt709:r=tv:p=bt709',
    'format=yuv420p',
  ];
}

/** One rung's picture: its size with square pixels, 8-bit 4:2:0. */
export function rungFilters(rung: VideoRung): string {
  return `scale=${rung.width}:${rung.height}:flags=bicubic,setsar=1,format=yuv420p`;
}

/**
 * The constant quality every encoded rung aims at. At veryfast, CRF 21 gives about the picture
 * x264's default (CRF 23) gives at preset medium, for 8-20 % more bits (6 s test patterns, SSIM
 * against medium's: 720p clean 0.9958 / 0.9956, 480p with grain 0.9312 / 0.9317); CRF 23 at
 * veryfast falls short of it. One value serves every rung: CRF sets how much of the picture is
 * thrown away, which looks alike at any size, and each rung's cap bounds what hard content costs.
 */
export const LADDER_CRF = 21;

/** Seconds of the cap the VBV buffer holds: what a scene may borrow above the cap for a moment. */
const VBV_SECONDS = 2;

/** A rung's rate control: constant quality, sustained rate at most the cap. */
export interface RateControl {
  crf: number;
  /** kbit/s: the rung's planned bitrate. */
  maxrateKbps: number;
  /** kbit: the VBV buffer. */
  bufsizeKbits: number;
}

/**
 * Capped CRF: content that needs few bits (slides, screen recordings, a talking head) takes only
 * what CRF asks, hard content is held at the rung's planned bitrate. The VBV model bounds any
 * window of d seconds to maxrate × d + bufsize bits, so a segment of d seconds carries at most
 * maxrate + bufsize / d (2 × the cap for 2 s segments). Manifests declare the bandwidth measured
 * from the written segments, whichever it is.
 */
export function rateControl(rung: VideoRung): RateControl {
  return { crf: LADDER_CRF, maxrateKbps: rung.bitrateKbps, bufsizeKbits: rung.bitrateKbps * VBV_SECONDS };
}

/**
 * H.264 High at capped constant quality (see rateControl), keyframes where the plan says and
 * nowhere else, tagged SDR BT.709 limited range.
 */
function videoEncoding(video: VideoPlan, rung: VideoRung, preset: 'veryfast' | 'superfast'): string[] {
  // A keyframe interval longer than any forced gap, so x264 adds none of its own.
  const gopFrames = Math.ceil(video.frameRate * 10);
  const rate = rateControl(rung);
  return [
    ...['-c:v', 'libx264', '-preset', preset, '-profile:v', 'high'],
    ...['-crf', String(rate.crf), '-maxrate', `${rate.maxrateKbps}k`, '-bufsize', `${rate.bufsizeKbits}k`],
    ...['-g', String(gopFrames), '-sc_threshold', '0'],
    ...['-force_key_frames', forceKeyframes(video.keyframes)],
    ...['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv'],
    ...['-an', '-sn', '-dn'],
  ];
}

/**
 * The progressive MP4 download: the top video rendition and the audio, remuxed with faststart.
 * Timestamps are read as written (ffmpeg would otherwise start each input at zero, moving the audio
 * by its priming) and moved back by the renditions' offset; the MP4 muxer then writes the edit
 * lists that start both tracks together.
 */
export function downloadArgs(dir: string, top: VideoRung | undefined, hasAudio: boolean): string[] {
  const args = [...INPUT, '-copyts'];
  if (top) args.push('-i', path.join(dir, outputs.video(top)));
  if (hasAudio) args.push('-i', path.join(dir, outputs.audio));
  if (top) args.push('-map', '0:v:0');
  if (hasAudio) args.push('-map', `${top ? 1 : 0}:a:0`);
  args.push('-c', 'copy', '-output_ts_offset', String(-MEDIA_TIME_OFFSET_SECONDS));
  args.push('-movflags', '+faststart', '-y', path.join(dir, outputs.download));
  return args;
}
