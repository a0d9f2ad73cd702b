import { describe, expect, it } from 'vitest';
import { FlvTimeline } from './flv-timeline.ts';

describe('FlvTimeline', () => {
  it('passes a steady stream through unchanged', () => {
    const t = new FlvTimeline();
    expect([0, 33, 66].map((d) => t.map(9, d))).toEqual([0, 33, 66]);
    expect([0, 21, 42].map((d) => t.map(8, d))).toEqual([0, 21, 42]);
  });

  it('continues after a clock that went backwards, for both tracks', () => {
    const t = new FlvTimeline();
    t.map(9, 5000);
    t.map(8, 5010);
    expect(t.map(9, 100)).toBe(5043);
    // The audio restarted with the video: the same offset keeps it beside the video.
    expect(t.map(8, 110)).toBe(5053);
    expect(t.map(9, 133)).toBe(5076);
  });

  it('closes a jump forward larger than the allowed gap', () => {
    const t = new FlvTimeline(10_000);
    t.map(9, 1000);
    expect(t.map(9, 1_000_000)).toBe(1033);
    expect(t.map(9, 1_000_033)).toBe(1066);
    expect(t.map(9, 1_000_066 + 5000)).toBe(6099);
  });

  it('never returns a timestamp lower than the previous one of a track', () => {
    const t = new FlvTimeline();
    let last = -1;
    for (const d of [0, 40, 20, 80, 10_000_000, 3, 3, 90]) {
      const out = t.map(9, d);
      expect(out).toBeGreaterThanOrEqual(last);
      last = out;
    }
  });
});
