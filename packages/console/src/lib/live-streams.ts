import type { components } from '../api/openapi.gen.ts';

/** A live stream as the API answers it (`/v1/live-streams`). */
export type LiveStream = components['schemas']['LiveStream'];
export type LiveStatus = LiveStream['status'];

/** How often the Live pages ask for the streams' state again. */
export const LIVE_POLL_MS = 2000;

const STATUS_LABELS: Record<LiveStatus, string> = {
  idle: 'Idle',
  active: 'Live',
  reconnecting: 'Reconnecting',
  disabled: 'Disabled',
};

export const liveStatusLabel = (status: LiveStatus) => STATUS_LABELS[status];

/**
 * Stream keys are shown only in the answer that made them (create, reset): kept here for the
 * stream page that opens right after, and forgotten once it took it.
 */
const freshKeys = new Map<string, string>();

export function rememberStreamKey(id: string, key: string | undefined): void {
  if (key) freshKeys.set(id, key);
}

export function takeStreamKey(id: string): string | null {
  const key = freshKeys.get(id) ?? null;
  freshKeys.delete(id);
  return key;
}

/** Seconds from now until `iso` (never negative), for the reconnect countdown. */
export function secondsUntil(iso: string | null, now = Date.now()): number | null {
  if (!iso) return null;
  return Math.max(0, Math.round((Date.parse(iso) - now) / 1000));
}
