import type { EmbedPlayback } from './embed-status.ts';
import type { MessageView } from './player-view.ts';

type Attrs = Record<string, string | true>;

/** Creates an element with attributes (a `true` value sets a boolean attribute) and children. */
function h(tag: string, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value === true ? '' : value);
  el.append(...children);
  return el;
}

let nextId = 0;

/**
 * The player's DOM in light DOM, so a page (and its tests) can reach the <video>: media-chrome's
 * controller around it, two control bars (the seek bar on its own row, for narrow screens), and
 * the captions, speed and quality menus. Returns the controller and its video.
 */
export function playerTemplate(playback: EmbedPlayback, label: string) {
  const id = `kp${++nextId}`;
  const video = h('video', {
    slot: 'media',
    playsinline: true,
    preload: 'metadata',
    crossorigin: 'anonymous',
    'aria-label': label || 'Video',
    ...(playback.poster ? { poster: playback.poster } : {}),
  }) as HTMLVideoElement;
  if (playback.storyboard) {
    // media-chrome reads hover previews from a metadata track labelled "thumbnails" (sprite#xywh cues).
    video.append(
      h('track', { kind: 'metadata', label: 'thumbnails', src: playback.storyboard, default: true }),
    );
  }
  const menu = (tag: string, name: string, extra: Attrs = {}) =>
    h(tag, { id: `${id}-${name}`, hidden: true, anchor: 'auto', ...extra });
  const menuButton = (tag: string, name: string) => h(tag, { invoketarget: `${id}-${name}` });

  const controller = h(
    'media-controller',
    // No `defaultsubtitles`: it would turn on some track for every media. hls.js turns on the
    // track the master playlist marks DEFAULT=YES, as HLS says; viewers pick others in the menu.
    { class: 'kp-controller' },
    video,
    h('media-loading-indicator', { slot: 'centered-chrome', noautohide: true }),
    h('media-play-button', { slot: 'centered-chrome', class: 'kp-big-play' }),
    menu('media-captions-menu', 'captions'),
    menu('media-playback-rate-menu', 'rate', { rates: '0.5 0.75 1 1.25 1.5 2' }),
    menu('media-rendition-menu', 'quality'),
    h('media-control-bar', { class: 'kp-seek' }, h('media-time-range', {})),
    h(
      'media-control-bar',
      { class: 'kp-bar' },
      h('media-play-button', {}),
      h('media-mute-button', {}),
      h('media-volume-range', { class: 'kp-volume' }),
      h('media-time-display', { showduration: true }),
      h('span', { class: 'kp-live-badge', role: 'status', hidden: true }, 'LIVE'),
      h('button', { type: 'button', class: 'kp-go-live', hidden: true }, 'Go live'),
      h('span', { class: 'kp-spacer' }),
      menuButton('media-captions-menu-button', 'captions'),
      menuButton('media-playback-rate-menu-button', 'rate'),
      menuButton('media-rendition-menu-button', 'quality'),
      h('media-pip-button', { class: 'kp-pip' }),
      h('media-fullscreen-button', {}),
    ),
  );
  return { controller, video };
}

/** The message shown instead of the player: private, errored, processing with its progress. */
export function messageTemplate(view: MessageView): HTMLElement {
  const box = h('div', { class: 'kp-box' });
  if (view.tone === 'busy') box.append(h('div', { class: 'kp-spinner', 'aria-hidden': 'true' }));
  box.append(h('p', { class: 'kp-heading' }, view.heading));
  if (view.percent !== null) {
    const fill = h('div', { class: 'kp-fill' });
    // Set through the CSSOM, which a style-src policy does not block (a style attribute would be).
    fill.style.width = `${view.percent}%`;
    box.append(
      h(
        'div',
        {
          class: 'kp-progress',
          role: 'progressbar',
          'aria-valuemin': '0',
          'aria-valuemax': '100',
          'aria-valuenow': String(view.percent),
          'aria-label': 'Processing progress',
        },
        fill,
      ),
    );
  }
  if (view.detail) box.append(h('p', { class: 'kp-detail' }, view.detail));
  return h('div', { class: `kp-message kp-${view.tone}`, role: 'status', 'aria-live': 'polite' }, box);
}
