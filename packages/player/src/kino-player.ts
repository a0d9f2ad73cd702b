import { isTransient, type EmbedPlayback, type EmbedStatus } from './embed-status.ts';
import { attachHls } from './hls-source.ts';
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
 * Fires `kino-state` (detail: the view, 'player' or a message) whenever what it shows changes.
 */
export class KinoPlayer extends HTMLElement {
  static readonly observedAttributes = [
    'src',
    'poster',
    'storyboard',
    'media-id',
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

  /** The <video> while the player shows one. */
  get video(): HTMLVideoElement | null {
    return this.querySelector('video');
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
      this.#showPlayer(view.playback, status.title);
      return;
    }
    this.#show(view);
    if (isTransient(status.state)) this.#poll = setTimeout(() => void this.#refresh(), POLL_MS);
  }

  #statusUrl(): string {
    const origin = this.getAttribute('origin') ?? MODULE_ORIGIN;
    const url = new URL(`/embed/${encodeURIComponent(this.getAttribute('media-id') ?? '')}/status`, origin);
    const token = this.getAttribute('token');
    if (token) url.searchParams.set('token', token);
    return url.toString();
  }

  #showPlayer(playback: EmbedPlayback, title?: string): void {
    const { controller, video } = playerTemplate(playback, this.getAttribute('label') ?? title ?? '');
    this.replaceChildren(controller);
    this.#teardown = attachHls(video, playback.hls, {
      onFatal: (httpStatus, details) => {
        this.#stop();
        this.#show(playbackFailureView(httpStatus, details));
      },
    });
    this.#announce({ kind: 'player', playback });
  }

  #show(view: MessageView): void {
    this.replaceChildren(messageTemplate(view));
    this.#announce(view);
  }

  #announce(view: PlayerView): void {
    this.dispatchEvent(new CustomEvent('kino-state', { detail: view, bubbles: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kino-player': KinoPlayer;
  }
}
