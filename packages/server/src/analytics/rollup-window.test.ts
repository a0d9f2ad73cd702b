import { describe, expect, it } from 'vitest';
import { ceilHour, closedBefore, floorHour, HOUR_MS, splitPeriod, VIEW_OPEN_MS } from './rollup-window.ts';

const H = (n: number) => n * HOUR_MS;

describe('rollup window', () => {
  it('closes an hour once its last view can no longer take beacons', () => {
    const now = H(100) + 20 * 60_000;
    // now - 12 h 15 min falls in hour 88: the hours before it are closed.
    expect(closedBefore(now)).toBe(floorHour(now - VIEW_OPEN_MS - 15 * 60_000));
    expect(closedBefore(now)).toBe(H(88));
    expect(closedBefore(H(100) + 10 * 60_000)).toBe(H(87));
  });

  it('rounds to hours', () => {
    expect(floorHour(H(5) + 1)).toBe(H(5));
    expect(ceilHour(H(5) + 1)).toBe(H(6));
    expect(ceilHour(H(5))).toBe(H(5));
  });

  it('reads whole rolled-up hours from rollups and the rest from views', () => {
    expect(splitPeriod({ from: H(2) + 5, to: H(10) + 7 }, H(8))).toEqual({
      rollups: { from: H(3), to: H(8) },
      views: [
        { from: H(2) + 5, to: H(3) },
        { from: H(8), to: H(10) + 7 },
      ],
    });
    expect(splitPeriod({ from: H(2), to: H(6) }, H(8))).toEqual({
      rollups: { from: H(2), to: H(6) },
      views: [],
    });
  });

  it('reads views only before the first rollup, or when no whole hour is rolled up', () => {
    const period = { from: H(2) + 5, to: H(4) };
    expect(splitPeriod(period, null)).toEqual({ rollups: null, views: [period] });
    expect(splitPeriod(period, H(3))).toEqual({ rollups: null, views: [period] });
    expect(splitPeriod({ from: H(2) + 5, to: H(3) - 1 }, H(8))).toEqual({
      rollups: null,
      views: [{ from: H(2) + 5, to: H(3) - 1 }],
    });
  });
});
