/**
 * Which hours of playback analytics are final, and how a period splits between hourly rollups
 * and per-view rows. Pure: every time is epoch milliseconds, UTC.
 */
export const HOUR_MS = 3_600_000;

/** A view takes beacons for this long after it began; later ones are dropped (analytics.service.ts). */
export const VIEW_OPEN_MS = 12 * HOUR_MS;
/**
 * An hour waits this long more before it is rolled up: a beacon read just before its view closed
 * may still be written a moment after.
 */
export const CLOSE_SLACK_MS = 15 * 60_000;

export const floorHour = (t: number): number => t - (((t % HOUR_MS) + HOUR_MS) % HOUR_MS);
export const ceilHour = (t: number): number => floorHour(t + HOUR_MS - 1);

/**
 * Hours before this one are closed at `now`: no view that started in them can change any more
 * (the last of them began before the hour ended and closed VIEW_OPEN_MS later).
 */
export function closedBefore(now: number): number {
  return floorHour(now - VIEW_OPEN_MS - CLOSE_SLACK_MS);
}

/** A half-open time range [from, to). */
export interface TimeRange {
  from: number;
  to: number;
}

/**
 * Splits the period [from, to) into the whole hours read from rollups (those rolled up, before
 * `rolledUntil`) and the rest, read from per-view rows: the partial hours at either edge and the
 * hours not rolled up yet. Together they cover the period once.
 */
export function splitPeriod(
  period: TimeRange,
  rolledUntil: number | null,
): { rollups: TimeRange | null; views: TimeRange[] } {
  const from = ceilHour(period.from);
  const to = Math.min(floorHour(period.to), rolledUntil ?? Number.NEGATIVE_INFINITY);
  if (rolledUntil === null || to <= from) return { rollups: null, views: [period] };
  const views: TimeRange[] = [];
  if (period.from < from) views.push({ from: period.from, to: from });
  if (to < period.to) views.push({ from: to, to: period.to });
  return { rollups: { from, to }, views };
}
