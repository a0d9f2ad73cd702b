import { isTransient, type EmbedPlayback, type EmbedStatus } from './embed-status.ts';
import { attachHls } from './hls-source.ts';
import { liveIsTransient, liveMessageOf, type LiveEmbedStatus } from './live-view.ts';
import { adoptPlayerStyles } from './player-styles.ts';
import { messageTemplate, playerTemplate } from './player-template.ts';
import { playbackFailureView, viewOf, type MessageView, type PlayerView } from './player-view.ts';

/** How often a processing media's status is asked for again. */
const POLL_MS = 2000;

/** Where Kino is: the origin this module was loaded from (Kino serves it at /player/kino-player.js). */
const MODULE_ORIGIN = new URL(import.meta.url).origin;

/**
 * `<kino-player>`: Kino's player. Give it playback URLs directly:
 *
 *   <kino-player src="https://kino.example/play/med_1/master.m3u8" poster="…" storyboard="…"></kino-player>
 *
 * or a media id (and a playback token for private media), and it asks Kino where the media stands,
 * shows "Processing… N%" until it is playable, then plays it; private media without a valid token
 * and errored media get a message instead:
 *
 *   <kino-player media-id="med_1" token="…"></kino-player>
 *
 * or a live stream id: it shows "Offline" until a broadcast starts, then plays it (with a live
 * badge, DVR scrubbing and "Go live"), and goes back to "Offline" when the broadcast ends:
 *
 *   <kino-player live-stream-id="ls_1" token="…"></kino-player>
 *
 * Fires `kino-state` (detail: the view, 'player' or a message) whenever what it shows changes.
 *
 * From the page: `player.seek(83)` (or `player.currentTime = 83`) jumps to 1:23, also before the
 * video has loaded (it lands once it can); `player.reload()` loads the playlists again, keeping the
 * position and whether it plays, so caption tracks added meanwhile appear.
 */
export class KinoPlayer extends HTMLElement {
  static readonly observedAttributes = [
    'src',
    'poster',
    'storyboard',
    'media-id',
    'live-stream-id',
    'token',
    'origin',
    'label',
  ];

  #teardown: (() => void) | null = null;
  #poll: ReturnType<typeof setTimeout> | null = null;
  #requests: AbortController | null = null;
  #scheduled = false;
  /** False until connectedCallback: attribute callbacks of the parsed markup come before it. */
  #started = false;
  /** Where to go (and whether to play) once the next video can seek. */
  #pending: PendingPosition | null = null;
  /** Set by reload(): the next master playlist is fetched past the browser's cache. */
  #fresh = false;

  /** The <video> while the player shows one. */
  get video(): HTMLVideoElement | null {
    return this.querySelector('video');
  }

  /** The playback position in seconds (where a pending seek will land, before the video loads). */
  get currentTime(): number {
    const video = this.video;
    if (this.#pending || !video) return this.#pending?.time ?? 0;
    return video.currentTime;
  }

  set currentTime(seconds: number) {
    this.seek(seconds);
  }

  /**
   * Jumps to `seconds` (a search hit, a chapter). Before the video can seek (still loading, or a
   * message in its place), the position is kept and applied once it can.
   */
  seek(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    const video = this.video;
    if (video && video.readyState >= HTMLMediaElement.HAVE_METADATA && !this.#pending) {
      video.currentTime = seconds;
      return;
    }
    this.#pending = { time: seconds, play: this.#pending?.play ?? false };
  }

  /**
   * Loads the media again (the master playlist past the browser's cache), keeping the position
   * and whether it was playing: tracks added or changed since it loaded appear.
   */
  async reload(): Promise<void> {
    const video = this.video;
    if (video && !this.#pending) this.#pending = { time: video.currentTime, play: !video.paused };
    this.#fresh = true;
    const src = this.getAttribute('src');
    if (src) await refetch(src);
    this.#update();
  }

  connectedCallback(): void {
    adoptPlayerStyles(this.getRootNode());
    this.#started = true;
    this.#update();
  }

  disconnectedCallback(): void {
    this.#started = false;
    this.#stop();
  }

  attributeChangedCallback(_name: string, before: string | null, after: string | null): void {
    if (before === after || !this.#started || this.#scheduled) return;
    // Several attributes set in a row make one update.
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.#started) this.#update();
    });
  }

  #update(): void {
    this.#stop();
    const src = this.getAttribute('src');
    if (src) {
      this.#showPlayer({
        hls: src,
        poster: this.getAttribute('poster'),
        storyboard: this.getAttribute('storyboard'),
      });
      return;
    }
    if (this.getAttribute('media-id')) {
      void this.#refresh();
      return;
    }
    if (this.getAttribute('live-stream-id')) {
      void this.#refreshLive();
      return;
    }
    this.#show({ kind: 'message', tone: 'info', heading: 'No video', detail: null, percent: null });
  }

  #stop(): void {
    this.#teardown?.();
    this.#teardown = null;
    if (this.#poll) clearTimeout(this.#poll);
    this.#poll = null;
    this.#requests?.abort();
    this.#requests = null;
  }

  /** Asks Kino where the media stands, shows it, and asks again while it is processing. */
  async #refresh(): Promise<void> {
    const requests = new AbortController();
    this.#requests = requests;
    let status: EmbedStatus;
    try {
      const res = await fetch(this.#statusUrl(), { signal: requests.signal, cache: 'no-store' });
      status = (await res.json()) as EmbedStatus;
    } catch {
      if (requests.signal.aborted) return;
      this.#show({
        kind: 'message',
        tone: 'error',
        heading: 'Kino cannot be reached',
        detail: 'Trying again…',
        percent: null,
      });
      this.#poll = setTimeout(() => void this.#refresh(), POLL_MS * 2);
      return;
    }
    if (requests.signal.aborted) return;
    const view = viewOf(status);
    if (view.kind === 'player') {
      if (this.#fresh) {
        await refetch(view.playback.hls);
        // Stopped meanwhile (removed from the page, attributes changed).
        if (this.#requests !== requests) return;
      }
      this.#showPlayer(view.playback, status.title);
      return;
    }
    this.#show(view);
    if (isTransient(status.state)) this.#poll = setTimeout(() => void this.#refresh(), POLL_MS);
  }

  /** Asks Kino whether the live stream broadcasts; plays it when it does, asks again while offline. */
  async #refreshLive(): Promise<void> {
    const requests = new AbortController();
    this.#requests = requests;
    const id = encodeURIComponent(this.getAttribute('live-stream-id') ?? '');
    let status: LiveEmbedStatus;
    try {
      const res = await fetch(this.#statusUrl(`/embed/live/${id}/status`), {
        signal: requests.signal,
        cache: 'no-store',
      });
      status = (await res.json()) as LiveEmbedStatus;
    } catch {
      if (requests.signal.aborted) return;
      this.#poll = setTimeout(() => void this.#refreshLive(), POLL_MS * 2);
      return;
    }
    if (requests.signal.aborted) return;
    if (status.state === 'live' && status.playback) {
      this.#showPlayer({ hls: status.playback.hls, poster: null, storyboard: null }, status.title, () => {
        // The broadcast ended (or its playlist went away): back to waiting for the next one.
        this.#stop();
        this.#show(liveMessageOf({ ...status, state: 'offline' }));
        this.#poll = setTimeout(() => void this.#refreshLive(), POLL_MS);
      });
      return;
    }
    const view = liveMessageOf(status);
    // Only change what shows when it differs, so screen readers are not told "Offline" every poll.
    if (this.textContent !== `${view.heading}${view.detail ?? ''}`) this.#show(view);
    if (liveIsTransient(status.state)) this.#poll = setTimeout(() => void this.#refreshLive(), POLL_MS);
  }

  #statusUrl(path?: string): string {
    const origin = this.getAttribute('origin') ?? MODULE_ORIGIN;
    const url = new URL(
      path ?? `/embed/${encodeURIComponent(this.getAttribute('media-id') ?? '')}/status`,
      origin,
    );
    const token = this.getAttribute('token');
    if (token) url.searchParams.set('token', token);
    return url.toString();
  }

  #showPlayer(playback: EmbedPlayback, title?: string, onEnded?: () => void): void {
    this.#fresh = false;
    const { controller, video } = playerTemplate(playback, this.getAttribute('label') ?? title ?? '');
    this.replaceChildren(controller);
    const onMetadata = () => {
      this.#applyPending(video);
    };
    video.addEventListener('loadedmetadata', onMetadata);
    const detach = attachHls(video, playback.hls, {
      onFatal: (httpStatus, details) => {
        if (onEnded) {
          onEnded();
          return;
        }
        this.#stop();
        this.#show(playbackFailureView(httpStatus, details));
      },
    });
    // A live broadcast starts by itself (muted when the browser refuses sound without a gesture);
    // once it ended and played out, the player waits for the next one.
    const onBroadcastEnd = () => onEnded?.();
    if (onEnded) {
      void startPlaying(video);
      video.addEventListener('ended', onBroadcastEnd);
    }
    this.#teardown = () => {
      video.removeEventListener('loadedmetadata', onMetadata);
      video.removeEventListener('ended', onBroadcastEnd);
      detach();
    };
    this.#announce({ kind: 'player', playback });
  }

  #applyPending(video: HTMLVideoElement): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = null;
    video.currentTime = pending.time;
    if (pending.play) void video.play().catch(() => undefined);
  }

  #show(view: MessageView): void {
    this.replaceChildren(messageTemplate(view));
    this.#announce(view);
  }

  #announce(view: PlayerView): void {
    this.dispatchEvent(new CustomEvent('kino-state', { detail: view, bubbles: true }));
  }
}

interface PendingPosition {
  time: number;
  play: boolean;
}

async function startPlaying(video: HTMLVideoElement): Promise<void> {
  try {
    await video.play();
  } catch {
    video.muted = true;
    await video.play().catch(() => undefined);
  }
}

/**
 * Fetches a playlist past the browser's cache, so the request hls.js (or Safari) makes next finds
 * the current one: playlists may be cached for a few seconds.
 */
async function refetch(url: string): Promise<void> {
  try {
    // Read to the end: only a whole answer is stored.
    await (await fetch(url, { cache: 'reload' })).arrayBuffer();
  } catch {
    // The player's own request finds and reports what is wrong.
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kino-player': KinoPlayer;
  }
}
