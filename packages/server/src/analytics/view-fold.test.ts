import { describe, expect, it } from 'vitest';
import type { BeaconEvent } from './beacon-schema.ts';
import { beaconAllowance, exitedBeforeStart, foldBeacon, newView, watchTimeMs } from './view-fold.ts';

const START = 1_000_000;

describe('foldBeacon', () => {
  it('measures startup, playing time, rebuffering and the average bitrate of a view', () => {
    let v = newView(START);
    v = foldBeacon(
      v,
      [
        { e: 'viewstart', t: 0 },
        { e: 'playrequest', t: 100 },
        { e: 'rendition', t: 300, bitrate: 2_000_000, width: 1280, height: 720 },
        { e: 'firstframe', t: 600 },
      ],
      START + 700,
    );
    expect(v.startupMs).toBe(500);
    v = foldBeacon(
      v,
      [
        { e: 'heartbeat', t: 5600, p: 5000 },
        { e: 'rebufferstart', t: 6600, p: 1000 },
        { e: 'rebufferend', t: 8600 },
        { e: 'rendition', t: 8600, bitrate: 1_000_000, width: 640, height: 360 },
        { e: 'heartbeat', t: 12600, p: 4000 },
      ],
      START + 12_700,
    );
    expect(v.playingMs).toBe(10_000);
    expect(v.rebufferCount).toBe(1);
    expect(v.rebufferMs).toBe(2000);
    expect(v.renditionSwitches).toBe(1);
    expect(v.renditions).toEqual(['1280x720@2000000', '640x360@1000000']);
    expect(v.bitrateKbpsMs / v.playingMs).toBe(1600);
    expect(watchTimeMs(v)).toBe(12_500);
  });

  it('never holds more time than has passed on Kino’s clock, whatever the player claims', () => {
    let v = newView(START);
    v = foldBeacon(v, [{ e: 'firstframe', t: 0 }], START);
    for (let i = 0; i < 100; i++) {
      v = foldBeacon(v, [{ e: 'heartbeat', t: 3_600_000 * (i + 1), p: 3_600_000 }], START + 10_000);
    }
    expect(watchTimeMs(v)).toBeLessThanOrEqual(10_000 + 15_000);
  });

  it('keeps a clock that runs backwards from giving time back or taking it twice', () => {
    let v = newView(START);
    v = foldBeacon(v, [{ e: 'firstframe', t: 1000 }], START + 1000);
    v = foldBeacon(
      v,
      [
        { e: 'heartbeat', t: 500, p: 10_000 },
        { e: 'rebufferstart', t: 2000 },
        { e: 'rebufferend', t: 100 },
      ],
      START + 3000,
    );
    expect(v.playingMs).toBeLessThanOrEqual(1000);
    expect(v.rebufferMs).toBe(0);
  });

  it('records the first fatal error, and whether it came before the first frame', () => {
    let v = newView(START);
    const events: BeaconEvent[] = [
      { e: 'playrequest', t: 0 },
      { e: 'error', t: 10, code: 'fragLoadError', message: 'a segment failed', fatal: false },
      { e: 'error', t: 20, code: 'manifestLoadError', message: '404', fatal: true },
      { e: 'error', t: 30, code: 'later', fatal: true },
    ];
    v = foldBeacon(v, events, START + 100);
    expect(v.error).toEqual({ code: 'manifestLoadError', message: '404', fatal: true });
    expect(v.failedBeforeStart).toBe(true);
    expect(exitedBeforeStart(v)).toBe(false);
  });

  it('counts a page closed before the first frame as an exit before video start', () => {
    const v = foldBeacon(
      newView(START),
      [
        { e: 'playrequest', t: 0 },
        { e: 'pagehide', t: 800 },
      ],
      START + 900,
    );
    expect(exitedBeforeStart(v)).toBe(true);
  });

  it('counts no rebuffering before the first frame, nor one stall twice', () => {
    const v = foldBeacon(
      newView(START),
      [
        { e: 'rebufferstart', t: 0 },
        { e: 'firstframe', t: 100 },
        { e: 'rebufferstart', t: 200 },
        { e: 'rebufferstart', t: 300 },
        { e: 'ended', t: 1200 },
      ],
      START + 2000,
    );
    expect(v.rebufferCount).toBe(1);
    expect(v.rebufferMs).toBe(1000);
  });

  it('allows a burst of beacons, then one every 2 s', () => {
    expect(beaconAllowance(START, START)).toBe(30);
    expect(beaconAllowance(START, START + 60_000)).toBe(60);
  });
});
