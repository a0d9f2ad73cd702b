import { createHash } from 'node:crypto';
import type { App } from '../http/types.ts';

/**
 * Cache policy for /play. What a CDN (or any shared cache) in front of Kino should do follows from
 * these headers alone: it may keep `public` answers (versioned bytes for a year, playlists for
 * seconds) and must pass `private` ones through to Kino, which checks tokens and tenant rules on
 * every request. Token URLs, private media and media of tenants with playback rules are `private`:
 * a shared cache would otherwise serve them to anyone with the URL, after the token expired, or
 * from a refused page or address. Browsers partition their caches by site, so `private` bytes
 * cached by one viewer's browser serve that viewer only. Error answers are `no-store`.
 */
export type CacheClass =
  /** Bytes and text under a version: they never change. */
  | 'immutable'
  /** Playlists and WebVTT under a version: fixed too, but short-lived so a removed version goes away. */
  | 'playlist'
  /** The media's master playlist and MPD: they move to a new version when the media is reprocessed. */
  | 'manifest'
  /** The current version's poster, download and storyboard under stable names. */
  | 'alias';

const MAX_AGE: Record<CacheClass, number> = {
  immutable: 31_536_000,
  playlist: 60,
  manifest: 2,
  alias: 60,
};

/**
 * The Cache-Control of a successful /play answer. `restricted` answers are private, and kept no
 * longer than their token lives (`secondsLeft`).
 */
export function cacheControl(cls: CacheClass, restricted: boolean, secondsLeft?: number): string {
  const maxAge = Math.max(0, Math.min(MAX_AGE[cls], secondsLeft ?? Infinity));
  const immutable = cls === 'immutable' ? ', immutable' : '';
  return `${restricted ? 'private' : 'public'}, max-age=${maxAge}${immutable}`;
}

/**
 * The strong ETag of a byte window of a file in a version. Versioned files never change, so the
 * name and the window identify the bytes; no hashing of content is needed.
 */
export function bytesEtag(version: string, file: string, window: { start: number; end: number }): string {
  return `"${version}/${file}/${window.start}-${window.end}"`;
}

/** The strong ETag of a generated text (playlists, MPD, WebVTT), from its content. */
export function textEtag(body: string): string {
  return `"t-${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
}

/** Makes every error answer of the routes in `app` (an encapsulated plugin) uncacheable. */
export function neverCacheErrors(app: App): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 400) reply.header('cache-control', 'no-store').removeHeader('etag');
    return payload;
  });
}
