/**
 * A cue timestamp to milliseconds: `hh:mm:ss.ttt` or `mm:ss.ttt`, with a comma accepted for the
 * decimal mark (SubRip) and 0 to 9 fraction digits. Null when it is not one.
 */
export function parseTimestamp(text: string): number | null {
  const m = /^(?:(\d+):)?([0-5]\d):([0-5]\d)(?:[.,](\d{1,9}))?$/.exec(text);
  if (!m) return null;
  const [, hours = '0', minutes = '0', seconds = '0', fraction = ''] = m;
  const ms = Math.round(Number(`0.${fraction || '0'}`) * 1000);
  return ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + ms;
}

/** Milliseconds as a WebVTT timestamp, always with hours: `01:23:45.678`. */
export function formatTimestamp(totalMs: number): string {
  const ms = Math.max(0, Math.round(totalMs));
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${pad(ms % 1000, 3)}`;
}
