import os from 'node:os';
import type net from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { LiveStreamRow } from '../db/schema.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import type { UnitOfWork } from '../repositories/repositories.ts';
import type { Storage } from '../storage/storage.ts';
import { announceStream, finishBroadcast, releasePublisher, startOrContinue } from './broadcasts.ts';
import type { LiveMetrics } from './live-metrics.ts';
import { LiveSession, sessionWorkdir, type SegmentRows } from './live-session.ts';
import type { PublisherHandle, PublishRequest } from './publisher.ts';
import { createRtmpServer } from './rtmp-server.ts';
import type { SrtFront } from './srt-front.ts';
import { createSrtIngest } from './srt-ingest.ts';
import { parseStreamKey, streamKeyMatches } from './stream-key.ts';
import { sweepLiveWorkFolders } from './live-work-folders.ts';

/** How often a live process says it still carries its broadcasts, and when silence means it died. */
export const HEARTBEAT_MS = 2000;
export const OWNER_STALE_MS = 7000;
const SWEEP_MS = 500;
/** Work folders of sessions a killed process left: looked for at start, then this often. */
const WORK_SWEEP_MS = 10 * 60_000;
/** A running session writes a segment every few seconds; a folder this quiet is left over. */
const WORK_QUIET_MS = 5 * 60_000;

export interface LiveIngestDeps {
  transaction: UnitOfWork;
  queue: JobQueue<KinoJobCatalog>;
  storage: Storage;
  /** Local folder for the packagers' work files. */
  workRoot: string;
  logger: FastifyBaseLogger;
  metrics: LiveMetrics;
  now?: () => number;
}

interface Running {
  stream: LiveStreamRow;
  session: LiveSession;
  disconnect: () => void;
}

/**
 * The live role: takes publishers (RTMP), checks their key before anything they send is kept,
 * starts or continues their broadcast, packages it, and owns the timers the database holds: a
 * heartbeat for the broadcasts it carries, and a sweep that ends broadcasts whose reconnect
 * window passed and reopens the window of those whose process died.
 */
export class LiveIngest {
  /** This process, as the owner of the broadcasts it carries. */
  readonly owner = `${os.hostname()}:${process.pid}:${newId('live')}`;
  private readonly running = new Map<string, Running>();
  private readonly now: () => number;
  private timers: NodeJS.Timeout[] = [];
  private rtmp: net.Server | null = null;
  private srt: SrtFront | null = null;
  private sweeping = false;

  constructor(private readonly deps: LiveIngestDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Listens for RTMP publishers on `port` (0 picks one: see `rtmpPort`). */
  async listenRtmp(port: number, host: string): Promise<void> {
    const server = createRtmpServer(
      (request) => this.publish(request),
      (err) => {
        this.deps.logger.error({ err }, 'live ingest failed');
      },
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.rtmp = server;
  }

  /** Listens for SRT callers on UDP `port` (0 picks one: see `srtPort`). */
  async listenSrt(port: number, host: string): Promise<void> {
    const front = createSrtIngest(
      (request) => this.publish(request),
      (err) => {
        this.deps.logger.error({ err }, 'live SRT ingest failed');
      },
      this.deps.workRoot,
    );
    await front.listen(port, host);
    this.srt = front;
  }

  get srtPort(): number | null {
    return this.srt ? this.srt.port : null;
  }

  get rtmpPort(): number | null {
    const address = this.rtmp?.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  start(): void {
    this.timers.push(setInterval(() => void this.heartbeat(), HEARTBEAT_MS).unref());
    this.timers.push(setInterval(() => void this.sweep(), SWEEP_MS).unref());
    void this.sweepWorkFolders();
    this.timers.push(setInterval(() => void this.sweepWorkFolders(), WORK_SWEEP_MS).unref());
  }

  private async sweepWorkFolders(): Promise<void> {
    try {
      const removed = await sweepLiveWorkFolders(this.deps.workRoot, WORK_QUIET_MS, Date.now());
      if (removed.length) this.deps.logger.info({ removed }, 'removed work folders of ended live sessions');
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not sweep the live work folders');
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.rtmp?.close();
    this.srt?.close();
    this.srt = null;
    // Publishers are dropped; their broadcasts wait for them in the reconnect window.
    await Promise.all([...this.running.values()].map((r) => this.leave(r, 'the live process stopped')));
  }

  /** Disconnects the publisher of `liveStreamId` if this process carries it (a route changed the stream). */
  async kick(liveStreamId: string): Promise<void> {
    const running = this.running.get(liveStreamId);
    if (!running) return;
    this.running.delete(liveStreamId);
    this.deps.metrics.active.set(this.running.size);
    running.disconnect();
    await running.session.abort();
  }

  private async publish(request: PublishRequest): Promise<PublisherHandle | { refused: string }> {
    const parsed = parseStreamKey(request.streamKey);
    const refuse = (code: string) => {
      this.deps.metrics.refused.inc({ reason: code });
      this.deps.metrics.publishers.inc({ protocol: request.protocol, outcome: 'refused' });
      this.deps.logger.info({ remote: request.remote, reason: code }, 'live publisher refused');
      return { refused: code };
    };
    if (!parsed) return refuse('invalid_stream_key');
    const now = this.now();
    const claimed = await this.deps.transaction(async (repos) => {
      const stream = await repos.liveStreams.getById(parsed.liveStreamId);
      if (!stream || !streamKeyMatches(parsed.secret, stream.key_hash)) return 'invalid_stream_key' as const;
      if (!stream.enabled) return 'live_stream_disabled' as const;
      const taken = await repos.liveStreams.claim(stream.id, this.owner, now, now - OWNER_STALE_MS);
      if (!taken) return 'live_stream_busy' as const;
      const tx = { repos, queue: this.deps.queue, now };
      return startOrContinue(tx, taken);
    });
    if (typeof claimed === 'string') return refuse(claimed);
    const { stream, media, period } = claimed;
    this.deps.logger.info(
      { liveStreamId: stream.id, mediaId: media.id, period, protocol: request.protocol },
      'live broadcast publishing',
    );
    this.deps.metrics.publishers.inc({ protocol: request.protocol, outcome: 'accepted' });
    const session = new LiveSession(
      {
        tenantId: stream.tenant_id,
        mediaId: media.id,
        period,
        latency: stream.latency,
        ladder: stream.ladder,
      },
      {
        rows: this.segmentRows(),
        storage: this.deps.storage,
        workdir: await sessionWorkdir(this.deps.workRoot, media.id, period),
        now: this.now,
        refuse: (code, message) => {
          this.refuseMedia(stream, code, message).catch((err: unknown) => {
            this.deps.logger.warn({ err, liveStreamId: stream.id }, 'recording a live refusal failed');
          });
        },
        onError: (err) => {
          this.deps.logger.warn({ err, liveStreamId: stream.id }, 'storing a live segment failed');
        },
        // Else the broadcast would stay active, heartbeat and all, with nothing packaged: the
        // publisher goes, and an encoder that reconnects continues in a new period.
        failed: (error) => {
          this.deps.logger.warn({ liveStreamId: stream.id, error }, 'live packaging stopped');
          void this.kickAndRelease(stream.id, 'packaging the broadcast failed');
        },
        onStored: (s) => {
          this.deps.metrics.segments.inc();
          this.deps.metrics.ingestBytes.inc(s.bytes);
          this.deps.metrics.segmentAge.observe(s.ageMs / 1000);
        },
      },
    );
    const running: Running = { stream, session, disconnect: request.disconnect };
    this.running.set(stream.id, running);
    this.deps.metrics.active.set(this.running.size);
    return {
      push: (packet) => session.push(packet),
      onDrain: (listener) => {
        session.onDrain(listener);
      },
      setHeight: (height) => {
        session.setHeight(height);
      },
      unsupported: (message) => {
        this.refuseMedia(stream, 'unsupported_live_codec', message).catch((err: unknown) => {
          this.deps.logger.warn({ err, liveStreamId: stream.id }, 'recording a live refusal failed');
        });
      },
      closed: () => {
        if (this.running.get(stream.id) === running) void this.leave(running, 'the publisher disconnected');
      },
    };
  }

  /** Segment rows are written one by one as segments are stored, each in its own transaction. */
  private segmentRows(): SegmentRows {
    const { transaction } = this.deps;
    return {
      nextSeq: (mediaId, track) => transaction((r) => r.liveSegments.nextSeq(mediaId, track)),
      add: (row) => transaction((r) => r.liveSegments.add(row)),
      setPeriodTracks: (mediaId, period, tracks) =>
        transaction((r) => r.liveSegments.setPeriodTracks(mediaId, period, tracks)),
    };
  }

  private async leave(running: Running, reason: string): Promise<void> {
    this.running.delete(running.stream.id);
    this.deps.metrics.active.set(this.running.size);
    this.deps.metrics.dropped.inc();
    try {
      await running.session.finish();
    } catch (err) {
      this.deps.logger.warn({ err, liveStreamId: running.stream.id }, 'finishing a live session failed');
    }
    try {
      await this.deps.transaction(async (repos) => {
        const tx = { repos, queue: this.deps.queue, now: this.now() };
        const released = await releasePublisher(tx, running.stream, this.owner, reason);
        if (released && released.reconnect_window_seconds === 0 && released.active_media_id) {
          await finishBroadcast(tx, released, released.active_media_id);
        }
      });
    } catch (err) {
      // Called when a socket closes, also after the database did (a process stopping): the
      // broadcast's owner then falls silent and the sweep of any live process reopens its window.
      this.deps.logger.warn({ err, liveStreamId: running.stream.id }, 'releasing a live publisher failed');
    }
  }

  private async refuseMedia(stream: LiveStreamRow, code: string, message: string): Promise<void> {
    this.deps.metrics.refused.inc({ reason: code });
    await this.deps.transaction(async (repos) => {
      const updated = await repos.liveStreams.update(stream.tenant_id, stream.id, {
        last_error_code: code,
        last_error_message: message,
      });
      if (updated) {
        await announceStream(
          { repos, queue: this.deps.queue, now: this.now() },
          'live_stream.disconnected',
          updated,
          {
            reason: message,
            code,
          },
        );
      }
    });
    await this.kickAndRelease(stream.id, message);
  }

  private async kickAndRelease(liveStreamId: string, reason: string): Promise<void> {
    const running = this.running.get(liveStreamId);
    if (!running) return;
    running.disconnect();
    await this.leave(running, reason);
  }

  private async heartbeat(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    try {
      const held = new Set(
        await this.deps.transaction((r) => r.liveStreams.heartbeat(this.owner, ids, this.now())),
      );
      // A stream completed, disabled, deleted or given a new key elsewhere: its publisher goes.
      for (const id of ids) if (!held.has(id)) await this.kick(id);
    } catch (err) {
      this.deps.logger.warn({ err }, 'live heartbeat failed');
    }
  }

  /** Ends broadcasts whose window passed; reopens the window of those whose live process died. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = this.now();
      const { transaction, queue } = this.deps;
      for (const row of await transaction((r) => r.liveStreams.listOrphaned(now - OWNER_STALE_MS))) {
        await transaction(async (repos) => {
          const deadline = now + row.reconnect_window_seconds * 1000;
          const moved = await repos.liveStreams.orphanToReconnecting(row, deadline, now);
          if (moved) {
            await announceStream({ repos, queue, now }, 'live_stream.disconnected', moved, {
              reason: 'the live process carrying the broadcast stopped',
              reconnectDeadline: new Date(deadline).toISOString(),
            });
          }
        });
      }
      for (const row of await transaction((r) => r.liveStreams.listExpired(now))) {
        const mediaId = row.active_media_id;
        if (!mediaId) {
          await transaction((r) =>
            r.liveStreams.update(row.tenant_id, row.id, { status: 'idle', reconnect_deadline: null }),
          );
          continue;
        }
        await transaction((repos) =>
          finishBroadcast({ repos, queue, now }, row, mediaId, { onlyIfExpired: true }),
        );
      }
    } catch (err) {
      this.deps.logger.warn({ err }, 'live sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}
