import type { LiveStreamRow, MediaRow } from '../db/schema.ts';
import { recordEvent } from '../events/record-event.ts';
import type { EventType } from '../events/event-types.ts';
import { newId } from '../lib/ids.ts';
import { createBroadcast, endBroadcast, type LifecycleTx } from '../media/lifecycle/media-lifecycle.ts';
import { deleteMedia } from '../media/lifecycle/media-deletion.ts';
import type { Repositories } from '../repositories/repositories.ts';
import { parseTracks, type LiveTrack } from './live-tracks.ts';

/**
 * A live stream's broadcast transitions, each inside the caller's transaction with its events:
 * a publisher starts or continues the broadcast, leaves (the reconnect window opens), and the
 * broadcast ends (the window passed, or `complete`), when its media turns VOD.
 */
export interface BroadcastTx extends LifecycleTx {
  repos: LifecycleTx['repos'] & Pick<Repositories, 'liveStreams' | 'liveSegments' | 'uploads'>;
}

export function liveStreamEventData(stream: LiveStreamRow, extra: Record<string, unknown> = {}) {
  return {
    id: stream.id,
    title: stream.title,
    status: stream.enabled ? stream.status : 'disabled',
    activeMediaId: stream.active_media_id,
    ...extra,
  };
}

export async function announceStream(
  tx: BroadcastTx,
  type: EventType,
  stream: LiveStreamRow,
  extra?: Record<string, unknown>,
) {
  await recordEvent(
    tx.repos,
    tx.queue,
    { tenantId: stream.tenant_id, type, data: liveStreamEventData(stream, extra) },
    tx.now,
  );
}

/**
 * The claimed stream's publisher starts a broadcast, or continues the one waiting for it (a
 * reconnect inside the window, or after its live process died): a new period of the same media.
 */
export async function startOrContinue(
  tx: BroadcastTx,
  claimed: LiveStreamRow,
): Promise<{ stream: LiveStreamRow; media: MediaRow; period: number; continued: boolean }> {
  const { repos, now } = tx;
  const current = claimed.active_media_id
    ? await repos.media.get(claimed.tenant_id, claimed.active_media_id)
    : undefined;
  if (current && current.live_status === 'active') {
    const period = (await repos.liveSegments.lastPeriod(current.id)) + 1;
    await repos.liveSegments.addPeriod({ media_id: current.id, period, started_at: now, tracks: '[]' });
    const stream = must(
      await repos.liveStreams.update(claimed.tenant_id, claimed.id, {
        last_error_code: null,
        last_error_message: null,
      }),
    );
    await announceStream(tx, 'live_stream.active', stream, { mediaId: current.id, reconnected: true });
    return { stream, media: current, period, continued: true };
  }
  const startedAt = new Date(now).toISOString().slice(0, 16).replace('T', ' ');
  const media = await createBroadcast(tx, {
    id: newId('med', now),
    tenant_id: claimed.tenant_id,
    title: `${claimed.title} (${startedAt} UTC)`,
    description: '',
    tags: '[]',
    visibility: claimed.visibility,
    duration_seconds: null,
    width: null,
    height: null,
    error_code: null,
    error_message: null,
    live_stream_id: claimed.id,
    created_at: now,
    updated_at: now,
  });
  await repos.liveSegments.addPeriod({ media_id: media.id, period: 0, started_at: now, tracks: '[]' });
  const stream = must(
    await repos.liveStreams.update(claimed.tenant_id, claimed.id, {
      active_media_id: media.id,
      last_error_code: null,
      last_error_message: null,
    }),
  );
  await announceStream(tx, 'live_stream.active', stream, { mediaId: media.id, reconnected: false });
  return { stream, media, period: 0, continued: false };
}

/** The publisher of `owner` left: the broadcast waits `reconnect_window_seconds` for it. */
export async function releasePublisher(
  tx: BroadcastTx,
  stream: LiveStreamRow,
  owner: string,
  reason: string,
): Promise<LiveStreamRow | undefined> {
  const deadline = tx.now + stream.reconnect_window_seconds * 1000;
  const released = await tx.repos.liveStreams.release(stream.id, owner, deadline, tx.now);
  if (!released) return undefined;
  await announceStream(tx, 'live_stream.disconnected', released, {
    reason,
    reconnectDeadline: new Date(deadline).toISOString(),
  });
  return released;
}

/**
 * Ends the broadcast `mediaId`: the stream goes idle, the media plays as VOD from its segments
 * and its recording is assembled (or, for a stream that does not record, it is deleted). False
 * when someone else ended it first, or (`onlyIfExpired`, the sweep) its publisher came back.
 */
export async function finishBroadcast(
  tx: BroadcastTx,
  stream: LiveStreamRow,
  mediaId: string,
  opts: { onlyIfExpired?: boolean } = {},
): Promise<boolean> {
  const { repos, now } = tx;
  const idle = await repos.liveStreams.endBroadcast(
    stream.id,
    mediaId,
    now,
    opts.onlyIfExpired ? now : undefined,
  );
  if (!idle) return false;
  const media = await repos.media.get(stream.tenant_id, mediaId);
  if (media && media.live_status === 'active') {
    const track = timingTrack((await repos.liveSegments.periods(mediaId)).map((p) => parseTracks(p.tracks)));
    const ms = track ? await repos.liveSegments.durationMs(mediaId, track) : 0;
    if (stream.record && ms > 0) await endBroadcast(tx, media, ms / 1000);
    else await deleteMedia(tx, media);
  }
  await announceStream(tx, 'live_stream.idle', idle, { mediaId });
  return true;
}

/** The track whose segments time the broadcast: its first video track, else its first track. */
export function timingTrack(periods: readonly LiveTrack[][]): string | undefined {
  const all = periods.flat();
  return (all.find((t) => t.kind === 'video') ?? all[0])?.id;
}

function must<T>(row: T | undefined): T {
  if (row === undefined) throw new Error('the live stream was deleted meanwhile');
  return row;
}
