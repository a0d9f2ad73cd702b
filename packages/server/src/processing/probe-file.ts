import { open, stat } from 'node:fs/promises';
import { MediaRejectedError, parseProbe } from './probe.ts';
import type { ProbeResult } from './probe-result.ts';
import { parsePacketScan, type PacketScan } from './packet-scan.ts';
import { silentAudioTracks } from './audio-measure.ts';
import type { PlanInputs } from './plan.ts';
import { MediaToolError, runMediaTool, type RunOptions } from './media-tools.ts';
import {
  demuxerOf,
  FORMAT_REFUSED,
  UNSUPPORTED_FORMAT_MESSAGE,
  UNTRUSTED_INPUT as SAFE_INPUT,
} from './input-format.ts';
import { packetScanLimits, PROBE_LIMITS } from './tool-limits.ts';
import { checkClosedCaptions, mayCarryClosedCaptions } from './closed-captions.ts';

/** How probes run: short limits, in the work folder when there is one (see media-sandbox.ts). */
export interface ProbeOptions {
  signal?: AbortSignal | undefined;
  workdir?: string | undefined;
}

function probeRun(opts: ProbeOptions): RunOptions {
  return {
    limits: PROBE_LIMITS,
    ...(opts.signal && { signal: opts.signal }),
    ...(opts.workdir !== undefined && { workdir: opts.workdir }),
  };
}

// User files are read through the file protocol only, and only by the allowed demuxers (see
// input-format.ts): a crafted playlist inside an upload cannot make ffprobe fetch URLs or read
// other files, because ffmpeg refuses its demuxer before it reads a line.

export function probeArgs(file: string): string[] {
  return ['-v', 'error', ...SAFE_INPUT, '-print_format', 'json', '-show_format', '-show_streams', file];
}

export function keyframeArgs(file: string): string[] {
  return [
    '-v',
    'error',
    ...SAFE_INPUT,
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time,flags',
    '-of',
    'csv=p=0',
    file,
  ];
}

/** Presentation times (seconds) of the keyframes, from ffprobe's packet list "pts,flags" lines. */
export function parseKeyframeTimes(csv: string): number[] {
  const times: number[] = [];
  for (const line of csv.split('\n')) {
    const [pts, flags] = line.trim().split(',');
    if (!pts || !flags?.startsWith('K')) continue;
    const t = Number(pts);
    if (Number.isFinite(t)) times.push(t);
  }
  return times.sort((a, b) => a - b);
}

/**
 * Probes a local file; a file ffprobe cannot open, or opens with a demuxer Kino does not allow, is
 * rejected with a reason a person understands. The result names the demuxer later runs must force.
 */
export async function probeFile(
  file: string,
  opts: AbortSignal | ProbeOptions = {},
): Promise<ProbeResult & { demuxer: string }> {
  const options: ProbeOptions = opts instanceof AbortSignal ? { signal: opts } : opts;
  let out: string;
  try {
    out = await runMediaTool('ffprobe', probeArgs(file), probeRun(options));
  } catch (err) {
    if (!(err instanceof MediaToolError)) throw err;
    if (FORMAT_REFUSED.test(err.stderrTail)) {
      throw new MediaRejectedError('unsupported_media', UNSUPPORTED_FORMAT_MESSAGE);
    }
    const cutShort = /moov atom not found|end of file|Truncat|partial file/i.test(err.stderrTail);
    if (cutShort && (await startsLikeMedia(file))) {
      throw new MediaRejectedError(
        'corrupt_media',
        'This file is incomplete or damaged: it ends before its index.',
      );
    }
    throw new MediaRejectedError(
      'unsupported_media',
      'This file is not a video or audio file Kino can read.',
    );
  }
  const probe = parseProbe(JSON.parse(out));
  const demuxer = demuxerOf(probe.formatName);
  if (demuxer === null) throw new MediaRejectedError('unsupported_media', UNSUPPORTED_FORMAT_MESSAGE);
  return { ...probe, demuxer };
}

/**
 * Whether a file begins like an MP4/MOV (an ISO BMFF box) or a Matroska/WebM (EBML) file, so that
 * "moov atom not found" means a cut-short video rather than text or an empty file with that name.
 */
async function startsLikeMedia(file: string): Promise<boolean> {
  const handle = await open(file).catch(() => null);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    if (bytesRead < 8) return false;
    const box = head.toString('latin1', 4, 8);
    return (
      ['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide'].includes(box) || head.readUInt32BE(0) === 0x1a45dfa3
    );
  } finally {
    await handle.close();
  }
}

export async function keyframeTimes(file: string, opts: AbortSignal | ProbeOptions = {}): Promise<number[]> {
  const options: ProbeOptions = opts instanceof AbortSignal ? { signal: opts } : opts;
  return parseKeyframeTimes(await runMediaTool('ffprobe', keyframeArgs(file), probeRun(options)));
}

/** Every video and audio packet's stream, time, duration, size and flags, without decoding. */
export function packetScanArgs(file: string): string[] {
  return [
    '-v',
    'error',
    ...SAFE_INPUT,
    '-show_entries',
    'packet=codec_type,stream_index,pts_time,duration_time,size,flags',
    '-of',
    'csv=p=0',
    file,
  ];
}

/** Keyframes, timing, gaps and peak bitrate of each stream (see packet-scan.ts). */
export async function scanPackets(file: string, opts: ProbeOptions = {}): Promise<PacketScan> {
  // Its CPU grows with the packets: a long source has hundreds of thousands (see packetScanLimits).
  const run = { ...probeRun(opts), limits: packetScanLimits((await stat(file)).size) };
  return parsePacketScan(await runMediaTool('ffprobe', packetScanArgs(file), run));
}

/**
 * Probes the source and, beside the probe, scans its packets (keyframes, stream timing, holes,
 * peak bitrate); with several audio tracks, also listens for the silent ones. A file that is not
 * media fails with the probe's verdict, whatever the packet scan made of it.
 */
export async function readSource(
  source: string,
  workdir: string,
  signal: AbortSignal,
  opts: { closedCaptions?: boolean } = {},
): Promise<{ probe: ProbeResult & { demuxer: string }; keyframes: number[]; inputs: PlanInputs }> {
  const scanning = scanPackets(source, { signal, workdir }).then(
    (scan) => ({ scan }),
    (error: unknown) => ({ error }),
  );
  // Captions in the pictures show only once frames are decoded: a short check of the first video
  // stream beside the probe and the scan. The playable step leaves it out (its CPU is the first
  // playable version's); the ladder's version declares them.
  const captioned =
    opts.closedCaptions === false
      ? Promise.resolve(false)
      : checkClosedCaptions(source, 'v:0', { signal, workdir, limits: PROBE_LIMITS }).catch(() => false);
  let probe;
  try {
    probe = await probeFile(source, { signal, workdir });
  } catch (error) {
    await Promise.all([scanning, captioned]);
    throw error;
  }
  const video = probe.video;
  const firstVideo = probe.coverArtIndex === null || (video !== null && video.index < probe.coverArtIndex);
  if (video && mayCarryClosedCaptions(video.codec) && firstVideo && (await captioned)) {
    video.closedCaptions = true;
  }
  const scanned = await scanning;
  if ('error' in scanned) {
    if (probe.video) throw scanned.error;
    return { probe, keyframes: [], inputs: {} };
  }
  const silentAudio = await silentAudioTracks(source, probe, {
    signal,
    workdir,
    demuxer: probe.demuxer,
    limits: PROBE_LIMITS,
  });
  const keyframes = probe.video ? (scanned.scan.get(probe.video.index)?.keyframes ?? []) : [];
  return { probe, keyframes, inputs: { streams: scanned.scan, silentAudio } };
}
