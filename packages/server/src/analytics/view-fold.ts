import type { BeaconEvent } from './beacon-schema.ts';
import { bucketOf } from './latency-histogram.ts';

/**
 * One view as its beacons have told it so far. Beacons carry events on the player's clock
 * (milliseconds since the view began); folding them is pure, and bounded by Kino's own clock:
 * whatever a player claims, a view never holds more time than has passed since its first beacon.
 */
export interface ViewState {
  /** Kino's clock, when the first beacon arrived. */
  startedAt: number;
  beaconCount: number;
  playRequested: boolean;
  playRequestT: number | null;
  startupMs: number | null;
  playingMs: number;
  rebufferCount: number;
  rebufferMs: number;
  rebufferOpenT: number | null;
  seekCount: number;
  renditionSwitches: number;
  /** Sum of kbit/s × ms played: divided by playingMs, the average bitrate. */
  bitrateKbpsMs: number;
  currentBitrate: number | null;
  renditions: string[];
  error: { code: string; message: string; fatal: boolean } | null;
  failedBeforeStart: boolean;
  ended: boolean;
  lastT: number;
}

/** Startup longer than this is not a startup: the figure is capped there. */
export const MAX_STARTUP_MS = 10 * 60 * 1000;
/** Time a view may hold beyond Kino's clock: the player started before its first beacon arrived. */
export const CLOCK_SLACK_MS = 15_000;
/** Renditions listed per view. */
export const MAX_RENDITIONS = 20;

export function newView(startedAt: number): ViewState {
  return {
    startedAt,
    beaconCount: 0,
    playRequested: false,
    playRequestT: null,
    startupMs: null,
    playingMs: 0,
    rebufferCount: 0,
    rebufferMs: 0,
    rebufferOpenT: null,
    seekCount: 0,
    renditionSwitches: 0,
    bitrateKbpsMs: 0,
    currentBitrate: null,
    renditions: [],
    error: null,
    failedBeforeStart: false,
    ended: false,
    lastT: 0,
  };
}

/**
 * How many beacons a view may have sent by `now`: a burst at the start, then one every 2 s (a
 * player sends one about every 10 s, and on pause, seek, rendition switch, error and exit).
 */
export function beaconAllowance(startedAt: number, now: number): number {
  return 30 + Math.floor(Math.max(0, now - startedAt) / 2000);
}

/** The view after one beacon's events, received at `now` (Kino's clock). */
export function foldBeacon(view: ViewState, events: readonly BeaconEvent[], now: number): ViewState {
  const v: ViewState = { ...view, renditions: [...view.renditions], beaconCount: view.beaconCount + 1 };
  // The player's clock may not run ahead of Kino's (plus the slack), nor back before the last event.
  const clockLimit = Math.max(0, now - v.startedAt) + CLOCK_SLACK_MS;
  for (const event of events) {
    const t = Math.min(Math.max(event.t, v.lastT), clockLimit);
    // Playing time since the previous event cannot exceed the time between them (plus a second of jitter).
    const played = Math.min(event.p ?? 0, t - v.lastT + 1000);
    if (played > 0 && v.startupMs !== null) {
      v.playingMs += played;
      if (v.currentBitrate !== null) v.bitrateKbpsMs += Math.round((v.currentBitrate / 1000) * played);
    }
    applyEvent(v, event, t);
    v.lastT = t;
  }
  // Whatever the events said, the view holds no more time than has passed.
  const budget = clockLimit;
  v.rebufferMs = Math.min(v.rebufferMs, budget);
  v.playingMs = Math.min(v.playingMs, Math.max(0, budget - v.rebufferMs - (v.startupMs ?? 0)));
  return v;
}

function applyEvent(v: ViewState, event: BeaconEvent, t: number): void {
  switch (event.e) {
    case 'playrequest':
      if (!v.playRequested) {
        v.playRequested = true;
        v.playRequestT = t;
      }
      return;
    case 'firstframe':
      if (v.startupMs === null && !v.failedBeforeStart) {
        if (!v.playRequested) {
          // Autoplay without a play event: the view's start is the play intent.
          v.playRequested = true;
          v.playRequestT = 0;
        }
        v.startupMs = Math.min(MAX_STARTUP_MS, Math.max(0, t - (v.playRequestT ?? 0)));
      }
      return;
    case 'rebufferstart':
      // Rebuffering counts only after the first frame, and not twice for one stall.
      if (v.startupMs !== null && v.rebufferOpenT === null && !v.ended) {
        v.rebufferOpenT = t;
        v.rebufferCount += 1;
      }
      return;
    case 'rebufferend':
      closeRebuffer(v, t);
      return;
    case 'seek':
      v.seekCount += 1;
      return;
    case 'rendition':
      if (event.bitrate !== undefined && event.bitrate !== v.currentBitrate) {
        if (v.currentBitrate !== null) v.renditionSwitches += 1;
        v.currentBitrate = event.bitrate;
        const name = `${event.width ?? 0}x${event.height ?? 0}@${event.bitrate}`;
        if (!v.renditions.includes(name) && v.renditions.length < MAX_RENDITIONS) v.renditions.push(name);
      }
      return;
    case 'error': {
      const fatal = event.fatal === true;
      // The first fatal error is the view's error; a non-fatal one shows only until a fatal one comes.
      if (v.error?.fatal) return;
      if (v.error && !fatal) return;
      v.error = { code: event.code ?? 'unknown', message: event.message ?? '', fatal };
      if (fatal) {
        v.failedBeforeStart = v.startupMs === null;
        closeRebuffer(v, t);
        v.ended = true;
      }
      return;
    }
    case 'ended':
    case 'pagehide':
      closeRebuffer(v, t);
      v.ended = true;
      return;
    case 'viewstart':
    case 'pause':
    case 'play':
    case 'heartbeat':
      return;
  }
}

function closeRebuffer(v: ViewState, t: number): void {
  if (v.rebufferOpenT === null) return;
  v.rebufferMs += Math.max(0, t - v.rebufferOpenT);
  v.rebufferOpenT = null;
}

/** Mux's "exit before video start": the viewer asked to play and left before the first frame, with no fatal error. */
export function exitedBeforeStart(
  v: Pick<ViewState, 'playRequested' | 'startupMs' | 'error' | 'ended'>,
): boolean {
  return v.playRequested && v.startupMs === null && !v.error?.fatal && v.ended;
}

/** Mux's watch time: startup, playing and rebuffering. */
export function watchTimeMs(v: Pick<ViewState, 'startupMs' | 'playingMs' | 'rebufferMs'>): number {
  return (v.startupMs ?? 0) + v.playingMs + v.rebufferMs;
}

export const startupBucket = (v: Pick<ViewState, 'startupMs'>): number | null =>
  v.startupMs === null ? null : bucketOf(v.startupMs);
