import fs from 'node:fs/promises';
import path from 'node:path';
import type { Storage } from '../storage/storage.ts';
import { storageLayout } from '../storage/storage-layout.ts';
import { FlvTimeline } from './flv-timeline.ts';
import {
  audioCodecOf,
  FLV_AUDIO,
  FLV_VIDEO,
  flvHeader,
  flvTag,
  videoCodecOf,
  type IngestPacket,
} from './flv-tags.ts';
import { readInit, readSegmentStart } from './fmp4-boxes.ts';
import { IngestClock } from './ingest-clock.ts';
import { LivePackager, type FinishedSegment } from './live-packager.ts';
import type { LiveSegmentsRepository } from './live-segments.repository.ts';
import type { LiveTrack } from './live-tracks.ts';
import { planPackager, type PublishedTracks } from './packager-command.ts';

/** What the session packages for: the broadcast's media, its period, the stream's options. */
export interface SessionTarget {
  tenantId: string;
  mediaId: string;
  period: number;
  latency: 'standard' | 'low';
  ladder: 'passthrough' | 'abr';
}

/** Where a session lists what it stored (each call its own write: see LiveSegmentsRepository). */
export type SegmentRows = Pick<LiveSegmentsRepository, 'nextSeq' | 'add' | 'setPeriodTracks'>;

export interface SessionDeps {
  rows: SegmentRows;
  storage: Storage;
  /** This session's own work folder (removed when it ends). */
  workdir: string;
  now: () => number;
  /** The publisher sends what Kino cannot carry: the caller records why and disconnects it. */
  refuse: (code: 'unsupported_live_codec', message: string) => void;
  onError: (err: unknown) => void;
  /** The packager stopped on its own (ffmpeg failed or was killed): the caller drops the publisher. */
  failed: (error: string) => void;
  /** Each stored segment, for the metrics. */
  onStored?: (segment: { track: string; bytes: number; ageMs: number }) => void;
}

/** Tracks are decided once the headers are in, or this much media arrived without one of them. */
const PROBE_SPAN_MS = 2500;
/** Bytes held while the tracks are being decided; a publisher past it is refused. */
const PROBE_BYTES = 32 * 1024 * 1024;

/**
 * One publisher session of a broadcast: fixes its timestamps, decides how to package it from its
 * first headers, feeds ffmpeg, and stores every finished segment (bytes first, then its row, so a
 * listed segment always exists).
 */
export class LiveSession {
  private readonly timeline = new FlvTimeline();
  private readonly clock = new IngestClock();
  private held: Buffer[] = [];
  private heldBytes = 0;
  private firstDts: number | null = null;
  private video: IngestPacket | null = null;
  private audio: IngestPacket | null = null;
  private height: number | null = null;
  private packager: LivePackager | null = null;
  private closed = false;
  private readonly tracks: LiveTrack[] = [];
  /** The tracks the packager makes: the period is listed once each has its first segment. */
  private expectedTracks = 0;
  private readonly nextSeq = new Map<string, number>();
  private readonly elapsedMs = new Map<string, number>();

  constructor(
    private readonly target: SessionTarget,
    private readonly deps: SessionDeps,
  ) {}

  /** The publisher's picture height from its metadata, for the ladder. */
  setHeight(height: number | null): void {
    if (height && height > 0 && height <= 8192) this.height = Math.round(height);
  }

  /** False when the packager is behind: the caller waits for `onDrain` before pushing more. */
  push(packet: IngestPacket): boolean {
    if (this.closed) return true;
    // H.264 is known by its sequence header; any other codec by its first frame.
    if (packet.type === FLV_VIDEO && (packet.flags === 2 || videoCodecOf(packet) !== 'h264'))
      this.video ??= packet;
    if (packet.type === FLV_AUDIO && packet.flags === 0) this.audio ??= packet;
    if (packet.type === FLV_AUDIO && !this.audio && packet.codecId !== 10) this.audio = packet;
    if (packet.type === 18) return true;
    const dts = this.timeline.map(packet.type, packet.dts);
    this.clock.packet(dts, this.deps.now(), packet.type === FLV_VIDEO && packet.flags === 3);
    this.firstDts ??= dts;
    const tag = flvTag(packet, dts);
    if (this.packager) return this.packager.write(tag);
    this.held.push(tag);
    this.heldBytes += tag.length;
    const span = dts - this.firstDts;
    if ((this.video && this.audio) || span >= PROBE_SPAN_MS || this.heldBytes > PROBE_BYTES) this.decide();
    return true;
  }

  onDrain(listener: () => void): void {
    if (this.packager && !this.closed) this.packager.onDrain(listener);
    else setImmediate(listener);
  }

  private decide(): void {
    const input: PublishedTracks = {
      video: this.video ? videoCodecOf(this.video) : null,
      audio: this.audio ? audioCodecOf(this.audio) : null,
      height: this.height,
    };
    const plan = planPackager(input, {
      latency: this.target.latency,
      ladder: this.target.ladder,
      outDir: this.deps.workdir,
    });
    if ('refused' in plan) {
      this.closed = true;
      this.held = [];
      this.deps.refuse(plan.refused, plan.message);
      return;
    }
    this.expectedTracks = plan.tracks.length;
    this.packager = new LivePackager(
      plan,
      this.deps.workdir,
      (s) => this.store(s),
      (code, error) => {
        if (this.closed) return;
        this.closed = true;
        this.deps.failed(`ffmpeg exited (${String(code)}): ${error}`);
      },
    );
    this.packager.write(flvHeader(input.audio !== null, true));
    for (const tag of this.held) this.packager.write(tag);
    this.held = [];
  }

  /** The publisher left: its last segment is stored before this resolves. */
  async finish(): Promise<void> {
    this.closed = true;
    try {
      await this.packager?.finish();
    } finally {
      await fs.rm(this.deps.workdir, { recursive: true, force: true });
    }
  }

  /** The stream was taken away (completed, disabled, its key reset): stop at once. */
  async abort(): Promise<void> {
    this.closed = true;
    try {
      await this.packager?.abort();
    } finally {
      await fs.rm(this.deps.workdir, { recursive: true, force: true });
    }
  }

  private async store(segment: FinishedSegment): Promise<void> {
    const { tenantId, mediaId, period } = this.target;
    const { rows, storage } = this.deps;
    try {
      if (segment.init) await this.addTrack(segment);
      const track = this.tracks.find((t) => t.id === segment.track);
      if (!track) return;
      let seq = this.nextSeq.get(track.id);
      if (seq === undefined) seq = await rows.nextSeq(mediaId, track.id);
      const elapsed = this.elapsedMs.get(track.id) ?? 0;
      const now = this.deps.now();
      const receivedAt = this.clock.receivedAt(track.startMs + elapsed) ?? now;
      const key = storageLayout.liveSegmentKey(tenantId, mediaId, period, track.id, seq);
      await storage.put(key, segment.bytes, { contentType: 'video/iso.segment', size: segment.bytes.length });
      await rows.add({
        media_id: mediaId,
        track: track.id,
        seq,
        period,
        duration_ms: segment.durationMs,
        received_at: receivedAt,
        size: segment.bytes.length,
      });
      this.nextSeq.set(track.id, seq + 1);
      this.elapsedMs.set(track.id, elapsed + segment.durationMs);
      this.deps.onStored?.({ track: track.id, bytes: segment.bytes.length, ageMs: now - receivedAt });
    } catch (err) {
      this.deps.onError(err);
      throw err;
    }
  }

  private async addTrack(segment: FinishedSegment & { init?: Buffer }): Promise<void> {
    if (!segment.init || this.tracks.some((t) => t.id === segment.track)) return;
    const info = readInit(segment.init);
    if (!info) throw new Error(`ffmpeg wrote an init segment Kino cannot read (${segment.track})`);
    const { tenantId, mediaId, period } = this.target;
    const start = readSegmentStart(segment.bytes) ?? 0;
    const key = storageLayout.liveInitKey(tenantId, mediaId, period, segment.track);
    await this.deps.storage.put(key, segment.init, { contentType: 'video/mp4', size: segment.init.length });
    const bitsPerSecond = Math.round((segment.bytes.length * 8 * 1000) / Math.max(segment.durationMs, 500));
    const track: LiveTrack = {
      id: segment.track,
      kind: info.kind,
      codecs: info.codecs,
      width: info.width,
      height: info.height,
      // The first segment's rate, with room: players pick variants by it.
      bandwidth: Math.max(32_000, Math.round(bitsPerSecond * 1.2)),
      startMs: (start / info.timescale) * 1000,
    };
    // Players read the tracks from the master playlist once: list them all or none yet. The
    // track counts as added only once listed, so a failed write is retried with the segment.
    const tracks = [...this.tracks, track];
    if (tracks.length === this.expectedTracks) {
      await this.deps.rows.setPeriodTracks(mediaId, period, JSON.stringify(tracks));
    }
    this.tracks.push(track);
  }
}

/** A fresh work folder for one session under the live work root. */
export async function sessionWorkdir(root: string, mediaId: string, period: number): Promise<string> {
  const dir = path.join(root, `${mediaId}-p${period}-${Date.now()}`);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}
