/** The element's own look; media-chrome styles its controls inside their shadow roots. */
export const PLAYER_CSS = `
kino-player {
  display: block;
  position: relative;
  aspect-ratio: 16 / 9;
  background: #000;
  color: #fff;
  font: 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  overflow: hidden;
  --media-primary-color: #fff;
  --media-secondary-color: rgb(0 0 0 / 0);
  --media-control-hover-background: rgb(255 255 255 / 0.14);
  --media-range-track-height: 4px;
  --media-range-bar-color: #4f8cff;
  --media-font-family: inherit;
  --media-menu-background: rgb(20 22 28 / 0.94);
  --media-preview-thumbnail-max-width: 200px;
}
kino-player .kp-controller { position: absolute; inset: 0; width: 100%; height: 100%; }
kino-player video { width: 100%; height: 100%; object-fit: contain; }
kino-player .kp-seek { width: 100%; padding: 0 10px; box-sizing: border-box; background: linear-gradient(transparent, rgb(0 0 0 / 0.45)); }
kino-player .kp-seek media-time-range { width: 100%; --media-control-background: transparent; --media-control-hover-background: transparent; }
/* Open menus above the control bars they overlap (the seek bar would take their clicks). */
kino-player media-captions-menu, kino-player media-playback-rate-menu, kino-player media-rendition-menu { z-index: 2; }
/* Captions move up while the control bars show, instead of hiding behind them (Chromium, WebKit). */
kino-player video::-webkit-media-text-track-container { transition: transform 0.2s ease; }
kino-player media-controller:not([userinactive]) video::-webkit-media-text-track-container,
kino-player media-controller[mediapaused] video::-webkit-media-text-track-container { transform: translateY(-76px); }
/* No subtitle tracks, no captions button. */
kino-player media-captions-menu-button:not([mediasubtitleslist]) { display: none; }
kino-player .kp-bar { width: 100%; background: rgb(0 0 0 / 0.45); }
kino-player .kp-spacer { flex: 1 1 auto; }
kino-player .kp-live-badge { align-self: center; margin: 0 0.5em; padding: 0.1em 0.5em; border-radius: 0.25em; background: #c62828; color: #fff; font: 600 0.8em system-ui, sans-serif; letter-spacing: 0.05em; }
kino-player .kp-live-badge.kp-behind { background: #555; }
kino-player .kp-live-badge[hidden], kino-player .kp-go-live[hidden] { display: none; }
kino-player .kp-go-live { align-self: center; margin: 0 0.25em; padding: 0.2em 0.6em; border: 1px solid #fff; border-radius: 0.25em; background: transparent; color: #fff; font: 0.8em system-ui, sans-serif; cursor: pointer; }
kino-player .kp-live media-time-display { display: none; }
kino-player .kp-big-play {
  --media-button-icon-width: 40px;
  padding: 18px;
  border-radius: 50%;
  background: rgb(0 0 0 / 0.55);
}
kino-player media-controller:not([mediapaused]) .kp-big-play { display: none; }
@media (max-width: 480px) {
  kino-player .kp-volume, kino-player .kp-pip { display: none; }
}
kino-player .kp-message {
  position: absolute; inset: 0;
  display: flex; align-items: center; justify-content: center;
  padding: 24px; box-sizing: border-box; text-align: center;
  background: radial-gradient(circle at 50% 40%, #272b36, #0d0f14);
}
kino-player .kp-box { max-width: 28em; }
kino-player .kp-heading { margin: 0; font-size: 1.25em; font-weight: 600; }
kino-player .kp-detail { margin: 0.5em 0 0; color: #c5cad6; }
kino-player .kp-error .kp-heading { color: #ffb4ab; }
kino-player .kp-progress { margin: 14px auto 0; width: min(18em, 100%); height: 6px; border-radius: 3px; background: rgb(255 255 255 / 0.18); overflow: hidden; }
kino-player .kp-fill { height: 100%; background: #4f8cff; transition: width 0.4s ease; }
kino-player .kp-spinner {
  margin: 0 auto 14px; width: 28px; height: 28px; border-radius: 50%;
  border: 3px solid rgb(255 255 255 / 0.2); border-top-color: #fff;
  animation: kp-spin 0.9s linear infinite;
}
@keyframes kp-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { kino-player .kp-spinner { animation: none; } }
`;

const adopted = new WeakSet<Document | ShadowRoot>();

/**
 * Adds the styles once to the document (or shadow root) the element lives in, as a constructed
 * stylesheet: no <style> element, so pages need no inline-style allowance for them.
 */
export function adoptPlayerStyles(root: Node): void {
  const target = root instanceof ShadowRoot ? root : document;
  if (adopted.has(target)) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(PLAYER_CSS);
  target.adoptedStyleSheets = [...target.adoptedStyleSheets, sheet];
  adopted.add(target);
}
