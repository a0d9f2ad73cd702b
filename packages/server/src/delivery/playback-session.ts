/**
 * A playback session starts with a master playlist or MPD requested with a token, whose expiry is
 * checked then. The child URLs it lists carry a session grant instead of the token: a grant opens
 * that one version of that media (from the token's address and pages) for a while beyond the
 * token's expiry, so a long pause or a seek late in a long media does not end the session.
 */

/** The most a session outlives its token. */
export const MAX_SESSION_GRACE_SECONDS = 4 * 3600;
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
