/**
 * Reports one view of a Kino media to Kino (`POST /v1/beacons`), from any page that plays it with
 * a <video> (and hls.js, or Safari's own HLS). <kino-player> and /embed use it on their own; on
 * another page:
 *
 *   import { trackView } from '@kino/player/beacons';   // or https://kino.example/player/kino-beacons.js
 *   const view = trackView(video, { src: masterUrl });
 *   const hls = new Hls({ cmcd: view.cmcd });           // CMCD query data joined to the view
 *   view.attachHls(hls);
 *   hls.loadSource(masterUrl); hls.attachMedia(video);
 *
 * What authorises the beacons is the grant Kino lists in the master playlist (EXT-X-SESSION-DATA
 * `video.kino.beacon`): hls.js hands it over with the manifest; without hls.js the playlist is read
 * once more. Events wait until it is known, go out in batches about every 10 s, and the last ones
 * with `navigator.sendBeacon` when the page goes away.
 */

export const BEACON_GRANT_DATA_ID = 'video.kino.beacon';
const HEARTBEAT_MS = 10_000;
/** The first batch goes soon, so Kino's clock for the view starts close to the player's. */
const FIRST_FLUSH_MS = 1000;
const MAX_EVENTS_PER_BEACON = 60;
/** Events kept while the grant is unknown or Kino cannot be reached. */
const MAX_PENDING = 600;
/** hls.js's non-fatal notices of a stall and of how it got past one. */
const STALL_NOTICES = new Set(['bufferStalledError', 'bufferNudgeOnStall', 'bufferSeekOverHole']);

export interface BeaconEvent {
  e: string;
  t: number;
  p?: number;
  bitrate?: number;
  width?: number;
  height?: number;
  code?: string;
  message?: string;
  fatal?: boolean;
}

/** The parts of an hls.js instance the tracker listens to (no import of hls.js needed). */
export interface HlsLike {
  on(event: never, listener: never): void;
  levels: readonly { bitrate: number; width: number; height: number }[];
}

type Listen = (event: string, listener: (event: string, data: never) => void) => void;

export interface ViewTracker {
  /** The view id, also CMCD's session id. */
  readonly viewId: string;
  /** hls.js's `cmcd` option: query mode, with the view id as session id. */
  readonly cmcd: { sessionId: string; useHeaders: false };
  attachHls(hls: HlsLike): void;
  /** A fatal error the page saw itself (a player that gives up). */
  fatal(code: string, message: string): void;
  /** Sends what is left and stops listening. */
  stop(): void;
}

export interface TrackOptions {
  /** The master playlist URL; Kino's origin (for /v1/beacons) is taken from it. */
  src: string;
  player?: { name: string; version?: string };
  /** Read the grant from the playlist (for players without hls.js); default: only when attachHls is not called. */
  fetchGrant?: boolean;
}

/** 128 random bits, URL-safe. */
export function newViewId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The grant listed in a master playlist's text, if any. */
export function grantInPlaylist(text: string): string | null {
  const line = text
    .split('\n')
    .find((l) => l.startsWith('#EXT-X-SESSION-DATA:') && l.includes(`DATA-ID="${BEACON_GRANT_DATA_ID}"`));
  return line ? (/VALUE="([^"]*)"/.exec(line)?.[1] ?? null) : null;
}

/** Splits events into beacons of at most MAX_EVENTS_PER_BEACON. */
export function batches<T>(events: readonly T[], size = MAX_EVENTS_PER_BEACON): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < events.length; i += size) out.push(events.slice(i, i + size));
  return out;
}

export function trackView(video: HTMLVideoElement, options: TrackOptions): ViewTracker {
  const viewId = newViewId();
  const endpoint = new URL('/v1/beacons', options.src).toString();
  const t0 = performance.now();
  const now = () => Math.round(performance.now() - t0);
  let grant: string | null = null;
  let refused = false;
  let pending: BeaconEvent[] = [];
  let started = false;
  let requested = false;
  let stalled = false;
  let seeking = false;
  let finished = false;
  /** Whether the video is advancing now, and since when time was last handed to an event. */
  let playingSince: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let usesHls = false;

  const advancing = () => started && !video.paused && !stalled && !seeking && !finished;
  const record = (event: Omit<BeaconEvent, 't' | 'p'>) => {
    const t = now();
    const played = playingSince === null ? 0 : t - playingSince;
    playingSince = advancing() ? t : null;
    if (pending.length >= MAX_PENDING) pending.shift();
    pending.push({ ...event, t, ...(played > 0 && { p: played }) });
    schedule(started ? HEARTBEAT_MS : FIRST_FLUSH_MS);
  };
  /** After a state change: time is counted from now if the video advances. */
  const settle = () => {
    if (advancing()) playingSince ??= now();
  };

  const send = (useBeacon: boolean) => {
    if (!grant || refused || pending.length === 0) return;
    const taken = pending;
    pending = [];
    for (const events of batches(taken)) {
      const body = JSON.stringify({ grant, view: viewId, player: options.player, events });
      if (useBeacon && navigator.sendBeacon(endpoint, body)) continue;
      void fetch(endpoint, {
        method: 'POST',
        body,
        keepalive: true,
        headers: { 'content-type': 'text/plain' },
      })
        .then((res) => {
          // A refused grant or a view past its allowance: stop, rather than insist.
          if (res.status === 403 || res.status === 429 || res.status === 400) refused = true;
        })
        .catch(() => undefined);
    }
  };
  function schedule(ms: number) {
    if (timer !== null || finished) return;
    timer = setTimeout(() => {
      timer = null;
      if (advancing() || stalled) record({ e: 'heartbeat' });
      send(false);
      if (!finished) schedule(HEARTBEAT_MS);
    }, ms);
  }

  const listeners: [string, () => void][] = [
    [
      'play',
      () => {
        if (!requested) {
          requested = true;
          record({ e: 'playrequest' });
        } else record({ e: 'play' });
      },
    ],
    [
      'playing',
      () => {
        if (!started) {
          if (!requested) {
            requested = true;
            record({ e: 'playrequest' });
          }
          // The first frame is the first one painted after play intent (a preloaded video fires
          // 'playing' at once, before a frame moved).
          const firstFrame = () => {
            if (started || finished) return;
            started = true;
            record({ e: 'firstframe' });
            settle();
          };
          if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(firstFrame);
          else firstFrame();
        } else if (stalled) {
          stalled = false;
          record({ e: 'rebufferend' });
        }
        settle();
      },
    ],
    [
      'waiting',
      () => {
        // Waiting after a seek is the seek's, not a rebuffer (as Mux counts it).
        if (!started || seeking || stalled || video.paused) return;
        record({ e: 'rebufferstart' });
        stalled = true;
      },
    ],
    [
      'seeking',
      () => {
        if (started) record({ e: 'seek' });
        seeking = true;
        if (stalled) {
          stalled = false;
          record({ e: 'rebufferend' });
        }
      },
    ],
    [
      'seeked',
      () => {
        seeking = false;
        settle();
      },
    ],
    [
      'pause',
      () => {
        if (!video.ended) record({ e: 'pause' });
      },
    ],
    [
      'ended',
      () => {
        record({ e: 'ended' });
        send(false);
      },
    ],
    [
      'error',
      () => {
        if (usesHls) return;
        tracker.fatal(
          `media_error_${video.error?.code ?? 0}`,
          video.error?.message ?? 'the video could not be played',
        );
      },
    ],
  ];
  for (const [name, listener] of listeners) video.addEventListener(name, listener);
  const onPageHide = () => {
    if (!finished) record({ e: 'pagehide' });
    send(true);
  };
  const onHidden = () => {
    if (document.visibilityState === 'hidden') send(true);
  };
  addEventListener('pagehide', onPageHide);
  document.addEventListener('visibilitychange', onHidden);

  const readGrant = () => {
    void fetch(options.src)
      .then((res) => (res.ok ? res.text() : ''))
      .then((text) => {
        grant ??= grantInPlaylist(text);
        send(false);
      })
      .catch(() => undefined);
  };
  // Without hls.js (Safari's own HLS), the playlist is read once more for its grant.
  let fallback: ReturnType<typeof setTimeout> | null = null;
  if (options.fetchGrant === true) readGrant();
  else
    fallback = setTimeout(() => {
      if (!usesHls) readGrant();
    }, 0);

  record({ e: 'viewstart' });

  const tracker: ViewTracker = {
    viewId,
    cmcd: { sessionId: viewId, useHeaders: false },
    attachHls(hls) {
      usesHls = true;
      if (fallback !== null) clearTimeout(fallback);
      const on = (hls.on as unknown as Listen).bind(hls);
      on('hlsManifestLoaded', (_event, data: { sessionData?: Record<string, { VALUE?: string }> | null }) => {
        grant ??= data.sessionData?.[BEACON_GRANT_DATA_ID]?.VALUE ?? null;
        send(false);
      });
      on('hlsLevelSwitched', (_event, data: { level: number }) => {
        const level = hls.levels[data.level];
        if (level)
          record({ e: 'rendition', bitrate: level.bitrate, width: level.width, height: level.height });
      });
      on(
        'hlsError',
        (_event, data: { details: string; fatal: boolean; type: string; response?: { code?: number } }) => {
          // hls.js reports stalls as non-fatal errors too: they are rebuffering, counted as such.
          if (!data.fatal && STALL_NOTICES.has(data.details)) return;
          const status = data.response?.code;
          record({
            e: 'error',
            code: data.details.slice(0, 80),
            message: (status ? `HTTP ${status}` : data.type).slice(0, 500),
            // hls.js recovers from a media error once (see hls-source.ts); a fatal network error ends playback.
            fatal: data.fatal && data.type !== 'mediaError',
          });
          if (data.fatal && data.type !== 'mediaError') {
            finished = true;
            send(false);
          }
        },
      );
    },
    fatal(code, message) {
      if (finished) return;
      record({ e: 'error', code: code.slice(0, 80), message: message.slice(0, 500), fatal: true });
      finished = true;
      send(false);
    },
    stop() {
      if (!finished) record({ e: 'ended' });
      finished = true;
      send(true);
      if (timer !== null) clearTimeout(timer);
      for (const [name, listener] of listeners) video.removeEventListener(name, listener);
      removeEventListener('pagehide', onPageHide);
      document.removeEventListener('visibilitychange', onHidden);
    },
  };
  return tracker;
}
