/** How a backup command tells the operator what it is doing. */
export interface BackupProgress {
  /** A step starts; `totalBytes` when its size is known. */
  step: (name: string, totalBytes?: number) => void;
  /** Bytes of the current step are done. */
  advance: (bytes: number) => void;
  /** A line of its own (a finding, a summary). */
  note: (text: string) => void;
  /** The command ends: the bar, if any, is cleared. */
  end: () => void;
}

export const silentProgress: BackupProgress = {
  step: () => undefined,
  advance: () => undefined,
  note: () => undefined,
  end: () => undefined,
};

/**
 * A bar redrawn in place on a terminal; on anything else (a log, a pipe) one quiet line per step
 * and per note.
 */
export function streamProgress(
  out: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean },
): BackupProgress {
  const tty = 'isTTY' in out && out.isTTY === true;
  let name = '';
  let total: number | undefined;
  let done = 0;
  let lastDraw = 0;
  const draw = (force: boolean) => {
    if (!tty) return;
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const width = 30;
    const fraction = total ? Math.min(1, done / total) : 0;
    const bar = total
      ? `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${Math.floor(fraction * 100)}%`
      : '';
    out.write(`\r\x1b[K${name} ${bar} ${formatBytes(done)}${total ? ` / ${formatBytes(total)}` : ''}`);
  };
  const clear = () => {
    if (tty && name) out.write('\r\x1b[K');
  };
  return {
    step(next, totalBytes) {
      clear();
      name = next;
      total = totalBytes;
      done = 0;
      if (tty) draw(true);
      else out.write(`${next}${totalBytes === undefined ? '' : ` (${formatBytes(totalBytes)})`}\n`);
    },
    advance(bytes) {
      done += bytes;
      draw(false);
    },
    note(text) {
      clear();
      out.write(`${text}\n`);
      draw(true);
    },
    end() {
      clear();
      name = '';
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit] ?? 'B'}`;
}
