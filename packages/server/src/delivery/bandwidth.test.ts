import { describe, expect, it } from 'vitest';
import type { RenditionIndex } from '../media/playback-index.ts';
import { bandwidth, targetDuration } from './bandwidth.ts';

/** An index of back-to-back segments, each [seconds, bytes]. */
function indexOf(segments: [seconds: number, bytes: number][]): RenditionIndex {
  let offset = 800;
  return {
    initLength: 800,
    segments: segments.map(([duration, length]) => {
      const s = { duration, offset, length };
      offset += length;
      return s;
    }),
  };
}

describe('targetDuration', () => {
  it('is the longest segment rounded up to whole seconds, at least 1', () => {
    expect(
      targetDuration(
        indexOf([
          [2, 1],
          [2.0004, 1],
          [0.3, 1],
        ]),
      ),
    ).toBe(2);
    expect(
      targetDuration(
        indexOf([
          [2, 1],
          [2.2, 1],
        ]),
      ),
    ).toBe(3);
    expect(targetDuration(indexOf([[0.4, 1]]))).toBe(1);
  });
});

describe('bandwidth', () => {
  it('declares the busiest full segment as the peak, and the bytes over the duration as the average', () => {
    const index = indexOf([
      [2, 250_000],
      [2, 500_000],
      [2, 300_000],
    ]);
    expect(bandwidth(index)).toEqual({ peak: 2_000_000, average: 1_400_000 });
  });

  it('counts a last segment of a few frames with the one before it, as HLS defines the peak', () => {
    // 0.1 s holding a key frame: 3.2 Mbit/s alone, but no 1-3 s run of the stream carries that much.
    const index = indexOf([
      [2, 250_000],
      [2, 250_000],
      [0.1, 40_000],
    ]);
    const { peak, average } = bandwidth(index);
    expect(peak).toBe(Math.ceil((290_000 * 8) / 2.1));
    expect(peak).toBeLessThan(3_200_000);
    expect(average).toBe(Math.ceil((540_000 * 8) / 4.1));
  });

  it('still counts a short segment that is busier than its neighbours together', () => {
    const index = indexOf([
      [2, 100_000],
      [1, 400_000],
      [2, 100_000],
    ]);
    // 1 s is half the target: it counts alone.
    expect(bandwidth(index).peak).toBe(3_200_000);
  });

  it('is never below the average, even for media shorter than half a target', () => {
    const short = indexOf([[0.4, 10_000]]);
    expect(bandwidth(short)).toEqual({ peak: 200_000, average: 200_000 });
    const split = indexOf([
      [0.4, 10_000],
      [0.4, 10_000],
    ]);
    expect(bandwidth(split).peak).toBeGreaterThanOrEqual(bandwidth(split).average);
  });
});
