/**
 * How long playback can go on from one token. Delivery enforces these limits; processing keeps a
 * replaced version readable for as long as they let a session last.
 */

/** The longest a token may live; a retired signing key is kept this long for the tokens it signed. */
export const MAX_TOKEN_SECONDS = 7 * 24 * 3600;

/** The most a session outlives its token (see delivery/playback-session.ts). */
export const MAX_SESSION_GRACE_SECONDS = 4 * 3600;
