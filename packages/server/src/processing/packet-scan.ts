/** When a stream plays, read from its packets. */
export interface StreamTiming {
  /** The first packet's presentation time (seconds, the container's clock). */
  start: number;
  /** Where the last packet ends. */
  end: number;
  /** Time inside the stream that no packet covers (seconds): holes a player would skip over. */
  gapSeconds: number;
}

export interface StreamScan {
  kind: 'video' | 'audio';
  /** Keyframe presentation times, in order (video). */
  keyframes: number[];
  timing: StreamTiming;
  /** The most bits in any one-second window (bit/s). */
  peakBitrate: number;
  /**
   * Video: frames per second over the whole stream, and whether frame times are uneven (more than
   * one in fifty intervals 15 % off the usual one). Containers such as Matroska do not say.
   */
  frameRate: { average: number; variable: boolean } | null;
}

/** What ffprobe's packet list says about each video and audio stream, by stream index. */
export type PacketScan = Map<number, StreamScan>;

interface Packet {
  pts: number;
  duration: number;
  size: number;
}

/**
 * Reads ffprobe's packet list ("codec_type,stream_index,pts_time,duration_time,size,flags" lines,
 * see packetScanArgs). A hole is a step between two packets longer than one and a half of the
 * stream's usual packet duration: an MP4 stretches the sample before a hole, other containers jump.
 */
export function parsePacketScan(csv: string): PacketScan {
  const packets = new Map<number, { kind: 'video' | 'audio'; list: Packet[]; keyframes: number[] }>();
  for (const line of csv.split('\n')) {
    const [kind, index, ptsText, durationText, sizeText, flags] = line.trim().split(',');
    if ((kind !== 'video' && kind !== 'audio') || index === undefined) continue;
    const pts = Number(ptsText);
    if (!ptsText || !Number.isFinite(pts)) continue;
    const duration = Number(durationText);
    const entry = packets.get(Number(index)) ?? { kind, list: [], keyframes: [] };
    packets.set(Number(index), entry);
    entry.list.push({
      pts,
      duration: Number.isFinite(duration) && duration > 0 ? duration : 0,
      size: Number(sizeText) || 0,
    });
    if (flags?.startsWith('K')) entry.keyframes.push(pts);
  }
  const scan: PacketScan = new Map();
  for (const [index, { kind, list, keyframes }] of packets) {
    list.sort((a, b) => a.pts - b.pts);
    scan.set(index, {
      kind,
      keyframes: keyframes.sort((a, b) => a - b),
      timing: timingOf(list),
      peakBitrate: peakBitrateOf(list),
      frameRate: kind === 'video' ? frameRateOf(list) : null,
    });
  }
  return scan;
}

function median(values: number[]): number {
  const sorted = values.filter((v) => v > 0).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function timingOf(list: readonly Packet[]): StreamTiming {
  const first = list[0];
  if (!first) return { start: 0, end: 0, gapSeconds: 0 };
  const usual = median(list.map((p) => p.duration));
  let end = first.pts + first.duration;
  let gapSeconds = 0;
  let previous = first;
  for (const packet of list.slice(1)) {
    const step = packet.pts - previous.pts;
    if (usual > 0 && step > usual * 1.5 + 0.002) gapSeconds += step - usual;
    end = Math.max(end, packet.pts + (packet.duration || usual));
    previous = packet;
  }
  return { start: first.pts, end, gapSeconds };
}

function peakBitrateOf(list: readonly Packet[]): number {
  const bytesPerSecond = new Map<number, number>();
  for (const p of list) {
    const second = Math.floor(p.pts);
    bytesPerSecond.set(second, (bytesPerSecond.get(second) ?? 0) + p.size);
  }
  // A loop, not a spread: a source of more than about 36 hours has too many seconds for one call.
  let peak = 0;
  for (const bytes of bytesPerSecond.values()) peak = Math.max(peak, bytes * 8);
  return peak;
}

function frameRateOf(list: readonly Packet[]): StreamScan['frameRate'] {
  const first = list[0];
  const last = list.at(-1);
  if (!first || !last || list.length < 3 || last.pts <= first.pts) return null;
  const intervals = list.slice(1).map((p, i) => p.pts - (list[i]?.pts ?? p.pts));
  const usual = median(intervals);
  const uneven = intervals.filter((d) => Math.abs(d - usual) > usual * 0.15).length;
  return {
    average: (list.length - 1) / (last.pts - first.pts),
    variable: uneven > Math.max(1, intervals.length / 50),
  };
}
