import type { LiveStreamRow } from '../db/schema.ts';
import { ApiError, notFound } from '../http/problem.ts';
import type { KinoJobCatalog } from '../jobs/catalog.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import type { Repositories, UnitOfWork } from '../repositories/repositories.ts';
import { announceStream, finishBroadcast, type BroadcastTx } from './broadcasts.ts';
import { newStreamKey } from './stream-key.ts';

export interface LiveStreamInput {
  title?: string | undefined;
  visibility?: 'public' | 'private' | undefined;
  latency?: 'standard' | 'low' | undefined;
  ladder?: 'passthrough' | 'abr' | undefined;
  reconnectWindowSeconds?: number | undefined;
  dvrWindowSeconds?: number | undefined;
  record?: boolean | undefined;
}

/** A stream with what the API shows beside it. */
export interface LiveStreamView {
  row: LiveStreamRow;
  recentMediaIds: string[];
  /** Present only where the key is shown: on create and on reset. */
  streamKey?: string;
}

/**
 * Managing a tenant's live streams. Changes that take a running publisher away (complete, disable,
 * a new key, delete) end or pause the broadcast in the database; the live process carrying it
 * learns at its next heartbeat (or at once through `kick` when it is this one) and disconnects.
 */
export class LiveStreamsService {
  constructor(
    private readonly deps: {
      repos: Pick<Repositories, 'liveStreams'>;
      transaction: UnitOfWork;
      queue: JobQueue<KinoJobCatalog>;
      /** Disconnects a publisher this process carries. */
      kick?: (liveStreamId: string) => Promise<void>;
      now?: () => number;
    },
  ) {}

  private now() {
    return this.deps.now?.() ?? Date.now();
  }

  private async view(row: LiveStreamRow, streamKey?: string): Promise<LiveStreamView> {
    const recentMediaIds = await this.deps.repos.liveStreams.recentMediaIds(row.tenant_id, row.id, 10);
    return { row, recentMediaIds, ...(streamKey !== undefined && { streamKey }) };
  }

  private async change<T>(work: (tx: BroadcastTx) => Promise<T>): Promise<T> {
    const now = this.now();
    return this.deps.transaction((repos) => work({ repos, queue: this.deps.queue, now }));
  }

  async create(tenantId: string, input: LiveStreamInput): Promise<LiveStreamView> {
    const now = this.now();
    const id = newId('ls', now);
    const key = newStreamKey(id);
    const row = await this.change(async (tx) => {
      const created = await tx.repos.liveStreams.create({
        id,
        tenant_id: tenantId,
        title: input.title?.trim() || 'Live stream',
        visibility: input.visibility ?? 'public',
        latency: input.latency ?? 'standard',
        ladder: input.ladder ?? 'passthrough',
        reconnect_window_seconds: input.reconnectWindowSeconds ?? 60,
        dvr_window_seconds: input.dvrWindowSeconds ?? 7200,
        record: input.record === false ? 0 : 1,
        key_hash: key.hash,
        enabled: 1,
        status: 'idle',
        active_media_id: null,
        reconnect_deadline: null,
        owner: null,
        owner_seen_at: null,
        last_error_code: null,
        last_error_message: null,
        created_at: now,
        updated_at: now,
      });
      await announceStream(tx, 'live_stream.created', created);
      return created;
    });
    return this.view(row, key.key);
  }

  async get(tenantId: string, id: string): Promise<LiveStreamView> {
    return this.view(await this.found(tenantId, id));
  }

  async list(tenantId: string, limit: number, after?: { createdAt: number; id: string }) {
    const rows = await this.deps.repos.liveStreams.list(tenantId, limit, after);
    return Promise.all(
      rows.map(async (row) => ({ ...(await this.view(row)), created_at: row.created_at, id: row.id })),
    );
  }

  async update(tenantId: string, id: string, input: LiveStreamInput): Promise<LiveStreamView> {
    const row = await this.change(async (tx) => {
      await this.foundIn(tx, tenantId, id);
      const updated = await tx.repos.liveStreams.update(tenantId, id, {
        ...(input.title !== undefined && { title: input.title.trim() || 'Live stream' }),
        ...(input.visibility !== undefined && { visibility: input.visibility }),
        ...(input.latency !== undefined && { latency: input.latency }),
        ...(input.ladder !== undefined && { ladder: input.ladder }),
        ...(input.reconnectWindowSeconds !== undefined && {
          reconnect_window_seconds: input.reconnectWindowSeconds,
        }),
        ...(input.dvrWindowSeconds !== undefined && { dvr_window_seconds: input.dvrWindowSeconds }),
        ...(input.record !== undefined && { record: input.record ? 1 : 0 }),
        updated_at: tx.now,
      });
      // A running broadcast becomes private (or public) with its stream.
      if (updated?.active_media_id && input.visibility !== undefined) {
        await tx.repos.media.update(tenantId, updated.active_media_id, {
          visibility: input.visibility,
          updated_at: tx.now,
        });
      }
      return must(updated);
    });
    return this.view(row);
  }

  /** A new key; a publisher using the old one is disconnected (its broadcast waits for the new one). */
  async resetKey(tenantId: string, id: string): Promise<LiveStreamView> {
    const key = newStreamKey(id);
    const row = await this.change(async (tx) => {
      const stream = await this.foundIn(tx, tenantId, id);
      const deadline = tx.now + stream.reconnect_window_seconds * 1000;
      const paused =
        stream.status === 'active'
          ? { status: 'reconnecting' as const, owner: null, reconnect_deadline: deadline }
          : {};
      return must(
        await tx.repos.liveStreams.update(tenantId, id, {
          key_hash: key.hash,
          ...paused,
          updated_at: tx.now,
        }),
      );
    });
    await this.deps.kick?.(id);
    return this.view(row, key.key);
  }

  /** Ends the running broadcast now (no reconnect wait); its media turns VOD. */
  async complete(tenantId: string, id: string): Promise<LiveStreamView> {
    const row = await this.change(async (tx) => {
      const stream = await this.foundIn(tx, tenantId, id);
      if (!stream.active_media_id)
        throw new ApiError('live_stream_idle', 'the live stream is not broadcasting now');
      await finishBroadcast(tx, stream, stream.active_media_id);
      return must(await tx.repos.liveStreams.get(tenantId, id));
    });
    await this.deps.kick?.(id);
    return this.view(row);
  }

  async setEnabled(tenantId: string, id: string, enabled: boolean): Promise<LiveStreamView> {
    const row = await this.change(async (tx) => {
      const stream = await this.foundIn(tx, tenantId, id);
      if (!enabled && stream.active_media_id) await finishBroadcast(tx, stream, stream.active_media_id);
      return must(
        await tx.repos.liveStreams.update(tenantId, id, {
          enabled: enabled ? 1 : 0,
          updated_at: tx.now,
        }),
      );
    });
    if (!enabled) await this.deps.kick?.(id);
    return this.view(row);
  }

  /** Removes the stream; a running broadcast ends first, and every recording stays. */
  async remove(tenantId: string, id: string): Promise<void> {
    await this.change(async (tx) => {
      const stream = await this.foundIn(tx, tenantId, id);
      if (stream.active_media_id) await finishBroadcast(tx, stream, stream.active_media_id);
      await tx.repos.liveStreams.delete(tenantId, id);
      await announceStream(tx, 'live_stream.deleted', stream);
    });
    await this.deps.kick?.(id);
  }

  private async found(tenantId: string, id: string): Promise<LiveStreamRow> {
    const row = await this.deps.repos.liveStreams.get(tenantId, id);
    if (!row) throw notFound('live stream');
    return row;
  }

  private async foundIn(tx: BroadcastTx, tenantId: string, id: string): Promise<LiveStreamRow> {
    const row = await tx.repos.liveStreams.get(tenantId, id);
    if (!row) throw notFound('live stream');
    return row;
  }
}

function must<T>(row: T | undefined): T {
  if (row === undefined) throw notFound('live stream');
  return row;
}
