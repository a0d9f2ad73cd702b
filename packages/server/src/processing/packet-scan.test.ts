import { describe, expect, it } from 'vitest';
import { parsePacketScan } from './packet-scan.ts';

/** ffprobe's packet lines ("codec_type,stream_index,pts_time,duration_time,size,flags"). */
const line = (kind: string, index: number, pts: number, duration: number, size = 1000, flags = '__') =>
  `${kind},${index},${pts.toFixed(6)},${duration.toFixed(6)},${size},${flags}`;

/** AAC packets of 1024 samples at 48 kHz from `start` to `end`, optionally with a hole. */
function aac(index: number, start: number, end: number, hole?: [number, number], stretch = false) {
  const frame = 1024 / 48000;
  const lines: string[] = [];
  for (let t = start; t < end - 1e-9; t += frame) {
    if (hole && t >= hole[0] && t < hole[1]) continue;
    // An MP4 shows a hole as the duration of the packet before it.
    const last = hole && stretch && t < hole[0] && t + frame >= hole[0];
    lines.push(line('audio', index, t, last ? hole[1] - t : frame, 300));
  }
  return lines;
}

describe('parsePacketScan', () => {
  it('lists keyframes in presentation order, whatever the decode order', () => {
    const csv = [
      line('video', 0, 0, 1 / 30, 5000, 'K_'),
      line('video', 0, 0.1, 1 / 30),
      line('video', 0, 0.0333, 1 / 30),
      line('video', 0, 2, 1 / 30, 5000, 'K_'),
      'video,0,N/A,N/A,10,K_',
      'subtitle,2,1.0,1.0,10,K_',
      '',
    ].join('\n');
    const scan = parsePacketScan(csv);
    expect([...scan.keys()]).toEqual([0]);
    expect(scan.get(0)?.keyframes).toEqual([0, 2]);
    expect(scan.get(0)?.kind).toBe('video');
  });

  it('finds where a track starts and ends, and the holes inside it, in either form', () => {
    const jumped = parsePacketScan(aac(1, 0.3, 5.6, [2.5, 3]).join('\n')).get(1)!;
    expect(jumped.timing.start).toBeCloseTo(0.3, 6);
    expect(jumped.timing.end).toBeCloseTo(5.6, 1);
    expect(jumped.timing.gapSeconds).toBeGreaterThan(0.45);
    expect(jumped.timing.gapSeconds).toBeLessThan(0.55);
    const stretched = parsePacketScan(aac(1, 0, 4, [2, 2.5], true).join('\n')).get(1)!;
    expect(stretched.timing.gapSeconds).toBeGreaterThan(0.45);
    expect(parsePacketScan(aac(1, 0, 4).join('\n')).get(1)!.timing.gapSeconds).toBe(0);
  });

  it('tells uneven frame times from steady ones, and measures the average rate', () => {
    const steady = Array.from({ length: 90 }, (_, n) => line('video', 0, n / 30, 1 / 30));
    const halved = Array.from({ length: 45 }, (_, n) => line('video', 0, 3 + (2 * n) / 30, 2 / 30));
    expect(parsePacketScan(steady.join('\n')).get(0)?.frameRate).toEqual({
      average: expect.closeTo(30, 3) as number,
      variable: false,
    });
    const vfr = parsePacketScan([...steady, ...halved].join('\n')).get(0)?.frameRate;
    expect(vfr?.variable).toBe(true);
    expect(vfr?.average).toBeCloseTo(134 / (3 + 88 / 30), 3);
    // Matroska's millisecond timestamps jitter by a millisecond: still steady.
    const jitter = Array.from({ length: 90 }, (_, n) =>
      line('video', 0, Math.round((n * 1000) / 30) / 1000, 0),
    );
    expect(parsePacketScan(jitter.join('\n')).get(0)?.frameRate?.variable).toBe(false);
  });

  it('reports the most bits in any one second', () => {
    const csv = [
      line('video', 0, 0, 0.5, 1000),
      line('video', 0, 0.5, 0.5, 3000),
      line('video', 0, 1, 1, 500),
    ];
    expect(parsePacketScan(csv.join('\n')).get(0)?.peakBitrate).toBe(32_000);
  });

  it('reads a source of 40 hours (more seconds than one call takes arguments)', () => {
    const csv = Array.from({ length: 40 * 3600 }, (_, n) => line('audio', 1, n, 1, n === 9 ? 2000 : 1000));
    expect(parsePacketScan(csv.join('\n')).get(1)?.peakBitrate).toBe(16_000);
  });
});
