import type { SessionRow } from '../db/schema.ts';

/** A session ends after 12 hours without a request, and 14 days after login whatever happens. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_MAX_MS = 14 * 24 * 60 * 60 * 1000;

/** When this session ends if nothing more happens. */
export function sessionEndsAt(session: Pick<SessionRow, 'last_seen_at' | 'expires_at'>): number {
  return Math.min(session.last_seen_at + SESSION_IDLE_MS, session.expires_at);
}

export function sessionIsLive(
  session: Pick<SessionRow, 'last_seen_at' | 'expires_at' | 'revoked_at'>,
  now: number,
): boolean {
  return session.revoked_at === null && now < sessionEndsAt(session);
}
