import type { WebhookEndpointRow } from '../db/schema.ts';

export const PAUSE_AFTER_DEAD_DELIVERIES = 20;
export const PAUSE_AFTER_FAILING_MS = 24 * 3600_000;

/** Why an endpoint should be paused now, or null while it may keep receiving events. */
export function pauseReason(endpoint: WebhookEndpointRow, now: number): string | null {
  if (endpoint.paused === 1) return null;
  if (endpoint.consecutive_dead >= PAUSE_AFTER_DEAD_DELIVERIES) {
    return `${endpoint.consecutive_dead} deliveries in a row failed every attempt`;
  }
  if (endpoint.failing_since !== null && now - endpoint.failing_since >= PAUSE_AFTER_FAILING_MS) {
    return 'every delivery attempt has failed for 24 hours';
  }
  return null;
}
