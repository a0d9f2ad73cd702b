import { describe, expect, it } from 'vitest';
import { progressBarLine, progressView } from './progress.ts';

describe('progress display', () => {
  it('draws a bar with the percentage and megabytes', () => {
    expect(progressBarLine('a.mp4', 1_500_000, 6_000_000)).toBe(
      'a.mp4  [######------------------]  25%  1.5/6.0 MB',
    );
    expect(progressBarLine('a.mp4', 0, 0)).toContain('  0%');
  });

  it('writes plain lines at each quarter when the output is not a terminal', () => {
    const lines: string[] = [];
    const out = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const view = progressView('a.mp4', out);
    for (let sent = 0; sent <= 100; sent += 5) view.update(sent, 100);
    view.done('a.mp4: uploaded (med_1)');
    expect(lines).toEqual([
      'a.mp4: 0% (0/100 bytes)\n',
      'a.mp4: 25% (25/100 bytes)\n',
      'a.mp4: 50% (50/100 bytes)\n',
      'a.mp4: 75% (75/100 bytes)\n',
      'a.mp4: uploaded (med_1)\n',
    ]);
  });
});
