import type { PlaybackIndex } from '../media/playback-index.ts';
import { MAX_SESSION_GRACE_SECONDS } from '../media/playback-limits.ts';

/**
 * A playback session starts with a master playlist or MPD requested with a token, whose expiry is
 * checked then. The child URLs it lists carry a session grant instead of the token: a grant opens
 * that one version of that media (from the token's address and pages) for a while beyond the
 * token's expiry, so a long pause or a seek late in a long media does not end the session. What
 * is not part of playing (the MP4 download, poster, storyboard) a grant opens only until the
 * token's own expiry.
 */

/** Beyond the media's own duration, the time a session may spend paused or buffering. */
export const SESSION_SLACK_SECONDS = 3600;

/** A version name: the job id and attempt that wrote it (`job_…-1`). Only these reach storage. */
export const VERSION_NAME = /^[a-z0-9_]{1,60}-\d{1,4}$/;

/** When a session started with a token expiring at `tokenExpiresAt` (Unix seconds) stops loading. */
export function sessionExpiresAt(tokenExpiresAt: number, durationSeconds: number | null): number {
  const grace = Math.min(
    MAX_SESSION_GRACE_SECONDS,
    Math.ceil(Math.max(0, durationSeconds ?? 0)) + SESSION_SLACK_SECONDS,
  );
  return tokenExpiresAt + grace;
}

/** A rendition playlist, init segment or numbered segment inside a version. */
const STREAMING_PATH = /^[a-z0-9-]+(?:\.m3u8|\/init\.mp4|\/\d{1,6}\.m4s)$/;

/**
 * Whether a file inside a version (one its index lists) is part of playing it, which a session
 * grant keeps open past its token: rendition playlists, init segments, segments, and the rendition
 * files that HLS and DASH address by byte range.
 */
export function playedInSession(index: PlaybackIndex, file: string): boolean {
  return STREAMING_PATH.test(file) || index.renditions.some((r) => r.file === file);
}
