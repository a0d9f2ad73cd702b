import type { MediaRow } from '../db/schema.ts';
import type { ClientStorageCheck } from './lti-launch.service.ts';

/** What the picker shows of a media. */
export type PickerMedia = Pick<
  MediaRow,
  'id' | 'title' | 'visibility' | 'playable' | 'duration_seconds' | 'status'
>;

/** LTI pages run inside the LMS's iframe: any site may frame them; scripts come only from Kino. */
export const LTI_PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  'frame-ancestors *',
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; padding: 1rem; background: Canvas; color: CanvasText; }
  h1 { font-size: 1.25rem; margin: 0 0 .75rem; }
  p { line-height: 1.4; }
  .muted { opacity: .7; font-size: .9rem; }
  .code { font-family: ui-monospace, monospace; background: color-mix(in srgb, CanvasText 8%, Canvas); padding: .1rem .35rem; border-radius: .25rem; }
  form.search { display: flex; gap: .5rem; margin-bottom: 1rem; }
  input[type=search] { flex: 1; min-width: 0; padding: .5rem; font: inherit; }
  button, .button { padding: .5rem .9rem; font: inherit; border-radius: .4rem; border: 1px solid #2456c7; background: #2456c7; color: white; cursor: pointer; text-decoration: none; display: inline-block; }
  button.secondary { background: transparent; color: inherit; border-color: currentColor; }
  ul.media { list-style: none; padding: 0; margin: 0; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); }
  ul.media li { border: 1px solid color-mix(in srgb, CanvasText 20%, Canvas); border-radius: .5rem; padding: .75rem; display: flex; flex-direction: column; gap: .5rem; }
  .title { font-weight: 600; overflow-wrap: anywhere; }
  .badge { font-size: .75rem; padding: .05rem .4rem; border-radius: 1rem; border: 1px solid currentColor; margin-left: .35rem; font-weight: 400; }
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Kino</title><style>${STYLE}</style></head><body>${body}<script src="/lti/assets/lti-page.js"></script></body></html>`;
}

function storageAttributes(mode: 'put' | 'get', storage: ClientStorageCheck | null): string {
  if (storage === null) return '';
  return ` data-mode="${mode}" data-storage-target="${escapeHtml(storage.target)}" data-storage-origin="${escapeHtml(storage.origin)}" data-storage-key="${escapeHtml(storage.key)}" data-storage-value="${escapeHtml(storage.state)}"`;
}

/** A refused launch or sign-in: what happened in words, and its stable code. */
export function refusalPage(code: string, detail: string): string {
  return page(
    'Cannot open',
    `<main id="refusal" data-code="${escapeHtml(code)}"><h1>Kino cannot open this</h1><p>${escapeHtml(sentence(detail))}</p><p class="muted">Code: <span class="code">${escapeHtml(code)}</span>. Ask your LMS or Kino administrator if it persists.</p></main>`,
  );
}

/** Login initiation with client-side storage: put the state into the platform's frame, then go on. */
export function loginStoragePage(authUrl: string, storage: ClientStorageCheck): string {
  return page(
    'Signing in',
    `<main id="lti" data-next="${escapeHtml(authUrl)}"${storageAttributes('put', storage)}><p id="lti-busy">Opening Kino…</p><p id="lti-failed" hidden>The course page did not keep Kino's sign-in. Reload the page.</p></main>`,
  );
}

/**
 * A launch's first page: checks the state with the platform when it keeps one, then opens `next`
 * (the player, or the picker); a link opens it in a new window when the LMS frame shows nothing.
 */
export function launchPage(title: string, next: string, storage: ClientStorageCheck | null): string {
  return page(
    title,
    `<main id="lti" data-next="${escapeHtml(next)}"${storageAttributes('get', storage)}><p id="lti-busy">Opening “${escapeHtml(title)}”…</p><p id="lti-failed" hidden>This launch does not belong to this browser. Open the link from the course again.</p><p class="muted">Nothing showing? <a href="${escapeHtml(next)}" target="_blank" rel="noopener">Open it in a new window</a>.</p></main>`,
  );
}

/** The Deep Linking picker: the tenant's media, each with a button that places it in the course. */
export function pickerPage(input: {
  formAction: string;
  secret: string;
  search: string;
  media: readonly PickerMedia[];
  /** The console's upload page (a console sign-in is needed there). */
  uploadUrl: string;
}): string {
  const items = input.media
    .map((m) => {
      const badge = m.visibility === 'private' ? '<span class="badge">private</span>' : '';
      const state =
        m.playable === 1
          ? formatDuration(m.duration_seconds)
          : m.status === 'errored'
            ? 'failed'
            : 'processing';
      return `<li><span class="title">${escapeHtml(m.title || 'Untitled')}${badge}</span><span class="muted">${escapeHtml(state)}</span><form method="post" action="${escapeHtml(input.formAction)}"><input type="hidden" name="s" value="${escapeHtml(input.secret)}"><input type="hidden" name="mediaId" value="${escapeHtml(m.id)}"><button type="submit" data-media-id="${escapeHtml(m.id)}">Place in course</button></form></li>`;
    })
    .join('');
  const list =
    input.media.length === 0
      ? `<p>No videos${input.search ? ' match this search' : ' yet: upload them in the Kino console first'}.</p>`
      : `<ul class="media">${items}</ul>`;
  return page(
    'Choose a video',
    `<main id="picker"><h1>Choose a video for this course</h1><p class="muted">Not here yet? <a href="${escapeHtml(input.uploadUrl)}" target="_blank" rel="noopener">Upload it in Kino</a>, then search again.</p><form class="search" method="get" action="${escapeHtml(input.formAction)}"><input type="hidden" name="s" value="${escapeHtml(input.secret)}"><input type="search" name="q" value="${escapeHtml(input.search)}" placeholder="Search by title" aria-label="Search videos"><button class="secondary" type="submit">Search</button></form>${list}</main>`,
  );
}

/** The Deep Linking answer: a form that posts Kino's signed JWT to the platform, at once. */
export function deepLinkAnswerPage(returnUrl: string, jwt: string): string {
  return page(
    'Placing the video',
    `<main id="lti" data-autosubmit="answer"><form id="answer" method="post" action="${escapeHtml(returnUrl)}"><input type="hidden" name="JWT" value="${escapeHtml(jwt)}"><p>Placing the video in the course…</p><noscript><button type="submit">Continue</button></noscript></form></main>`,
  );
}

const sentence = (text: string) =>
  `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

function formatDuration(seconds: number | null): string {
  if (seconds === null) return 'playable';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
