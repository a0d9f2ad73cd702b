import type { EmbedStatus } from './embed-status.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Where the player module is served (packages/server/src/console/console.routes.ts). */
export const PLAYER_MODULE_PATH = '/player/kino-player.js';

/** The page's own style; the player styles itself. */
export const EMBED_PAGE_STYLE =
  'html,body{margin:0;height:100%;background:#000}kino-player{height:100%;aspect-ratio:auto}' +
  '.fallback{color:#fff;font:16px system-ui,sans-serif;text-align:center;padding:2em}' +
  'video{width:100%;height:100%}';

const FALLBACK_TEXT: Record<EmbedStatus['state'], string> = {
  playable: '',
  processing: 'Processing…',
  waiting: 'Waiting for the upload…',
  errored: 'This video could not be processed',
  private: 'This video is private',
  refused: 'This video cannot be played here',
  not_found: 'This video does not exist',
};

/**
 * The embed page: a <kino-player> filling the frame. A playable media's URLs are in its attributes,
 * so the player starts at once; otherwise it asks /embed/{id}/status and follows the media until it
 * plays. The children are what shows before the module runs (or where scripts are off): a plain
 * <video> that plays HLS natively where the browser can, or the state in words.
 */
export function embedPage(status: EmbedStatus, token: string | null): string {
  const attrs: [string, string | null][] = [
    ['media-id', status.id],
    ['token', token],
    ['label', status.title || null],
    ['src', status.playback?.hls ?? null],
    ['poster', status.playback?.poster ?? null],
    ['storyboard', status.playback?.storyboard ?? null],
  ];
  const attributes = attrs
    .filter((a): a is [string, string] => a[1] !== null)
    .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
    .join('');
  const fallback = status.playback
    ? `<video controls playsinline preload="none" src="${escapeHtml(status.playback.hls)}"` +
      (status.playback.poster ? ` poster="${escapeHtml(status.playback.poster)}"` : '') +
      '></video>'
    : `<p class="fallback">${escapeHtml(FALLBACK_TEXT[status.state])}</p>`;
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${escapeHtml(status.title || 'Kino')}</title>` +
    `<style>${EMBED_PAGE_STYLE}</style>` +
    `<script type="module" src="${PLAYER_MODULE_PATH}"></script></head>` +
    `<body><kino-player${attributes}>${fallback}</kino-player></body></html>`
  );
}
