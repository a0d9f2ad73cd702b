/** How kino-upload shows an upload's progress: a bar redrawn in place, or plain lines. */
export interface ProgressView {
  update(sent: number, total: number): void;
  done(line: string): void;
}

const WIDTH = 24;

/** The bar of a TTY: `name  [#########---------------]  37%  1.2/3.4 MB`, redrawn with `\r`. */
export function progressBarLine(name: string, sent: number, total: number): string {
  const fraction = total > 0 ? Math.min(1, sent / total) : 0;
  const filled = Math.round(fraction * WIDTH);
  const percent = String(Math.floor(fraction * 100)).padStart(3);
  const mb = (n: number) => (n / 1_000_000).toFixed(1);
  return `${name}  [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${percent}%  ${mb(sent)}/${mb(total)} MB`;
}

/** A bar on a terminal; elsewhere (a pipe, a log file) a line at each quarter. */
export function progressView(name: string, out: NodeJS.WriteStream): ProgressView {
  if (out.isTTY) {
    let lastDraw = 0;
    return {
      update(sent, total) {
        const now = Date.now();
        if (now - lastDraw < 100 && sent < total) return;
        lastDraw = now;
        out.write(`\r${progressBarLine(name, sent, total)}\u001b[K`);
      },
      done(line) {
        out.write(`\r${line}\u001b[K\n`);
      },
    };
  }
  let lastQuarter = -1;
  return {
    update(sent, total) {
      const quarter = total > 0 ? Math.floor((4 * sent) / total) : 0;
      if (quarter <= lastQuarter || quarter >= 4) return;
      lastQuarter = quarter;
      out.write(`${name}: ${quarter * 25}% (${sent}/${total} bytes)\n`);
    },
    done(line) {
      out.write(`${line}\n`);
    },
  };
}
