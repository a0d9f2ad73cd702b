import { describe, expect, it } from 'vitest';
import { overallProgress } from './job-progress.ts';

describe('overallProgress', () => {
  it('moves forward through import, first version and encoding', () => {
    const at = (type: string, percent: number | null, running = true) =>
      overallProgress({ type, running, percent, message: null }).percent;
    const steps = [
      at('media.import', 0),
      at('media.import', 100),
      at('media.process', 50),
      at('media.encode', 0, false),
      at('media.encode', 50),
      at('media.encode', 100),
    ];
    expect(steps).toEqual([0, 25, 35, 45, 72, 99]);
    expect([...steps].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(steps);
  });

  it('gives a job not started yet its stage and says it waits', () => {
    expect(overallProgress({ type: 'media.process', running: false, percent: null, message: null })).toEqual({
      percent: 25,
      message: 'waiting for a worker',
    });
  });

  it("keeps the worker's message and clamps odd percents", () => {
    expect(
      overallProgress({ type: 'media.encode', running: true, percent: 140, message: 'encoding' }),
    ).toEqual({
      percent: 99,
      message: 'encoding',
    });
  });
});
