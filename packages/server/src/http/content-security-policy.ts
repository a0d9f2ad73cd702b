/**
 * The Content-Security-Policy of the pages that run the player (the console and /embed): scripts
 * only from Kino itself, no inline script, no eval.
 *
 * Styles allow 'unsafe-inline': media-chrome builds each control's shadow root from a template
 * with a <style> element and edits those rules at run time (the seek bar's preview position), so
 * neither hashes nor nonces can cover them. Inline styles cannot run code.
 * hls.js runs its demuxer in a worker made from a blob: URL, and MSE plays from blob: URLs; it
 * gives each caption track's <track> element an empty `data:,WEBVTT` source (and fills in the cues
 * itself), so media may come from data: URLs too.
 */
export const PLAYER_PAGE_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
] as const;

/** The console's policy: the player's, and no framing, and forms only to Kino. */
export const CONSOLE_POLICY = [
  ...PLAYER_PAGE_DIRECTIVES,
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');
