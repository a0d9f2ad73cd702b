import { describe, expect, it } from 'vitest';
import { IngestClock } from './ingest-clock.ts';

describe('IngestClock', () => {
  it('dates a segment by when its first keyframe arrived', () => {
    const clock = new IngestClock();
    clock.packet(1000, 50_000, true);
    clock.packet(1033, 50_040, false);
    clock.packet(3000, 52_500, true); // arrived 0.5 s late
    expect(clock.receivedAt(0)).toBe(50_000);
    expect(clock.receivedAt(2000)).toBe(52_500);
    expect(clock.receivedAt(2500)).toBe(53_000);
  });

  it('knows nothing before the first packet', () => {
    expect(new IngestClock().receivedAt(0)).toBeNull();
  });
});
