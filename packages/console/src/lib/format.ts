/** "1:02:03" or "4:05" from seconds; "–" when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** "1:23" for a moment in a video (83.9 s is still 1:23, as a clock shows it). */
export function formatTimestamp(seconds: number): string {
  return formatDuration(Math.floor(Math.max(0, seconds)));
}

/** "2.5 Mb/s", "800 kb/s" from bits per second. */
export function formatBitrate(bps: number | null): string {
  if (bps === null) return '–';
  return bps >= 1_000_000 ? `${(bps / 1_000_000).toFixed(1)} Mb/s` : `${Math.round(bps / 1000)} kb/s`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago"; the date beyond a week. */
export function formatAge(iso: string | null, now = Date.now()): string {
  if (!iso) return '–';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '–';
  const seconds = Math.round(ms / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  if (seconds < 7 * 86_400) {
    const days = Math.round(seconds / 86_400);
    return `${days} day${days === 1 ? '' : 's'} ago`;
  }
  return new Date(iso).toLocaleDateString();
}

/** "45 s", "12 min", "3 h 5 min" from a number of seconds. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return m > 0 ? `${h} h ${m} min` : `${h} h`;
}

/** "1920×1080" or "–". */
export function formatSize(width: number | null, height: number | null): string {
  return width && height ? `${width}×${height}` : '–';
}

/** Tags typed as "a, b ,c" become ["a", "b", "c"], without empties or repeats. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    ),
  ];
}
