import { describe, expect, it } from 'vitest';
import { MAX_TIMEOUT_MS } from '../jobs/job-registry.ts';
import { jobCatalog } from '../jobs/catalog.ts';
import { MIN_ATTEMPT_MS, processTimeoutMs } from '../media/attempt-timeouts.ts';
import { encodeTimeoutMs, timeoutForCpuLimit } from './job-timeouts.ts';
import { cpuLimitSeconds, processingLimits, type SourceFacts } from './tool-limits.ts';

const HOUR = 3600_000;
const FULL_HD = 1920 * 1080;
/** What plan.ts encodes below a 1080p source whose picture is copied. */
const BELOW_1080 = [1280 * 720, 854 * 480, 640 * 360, 426 * 240];

/** A 4-hour 1080p30 lecture at 5.5 Mbit/s. */
const LECTURE: SourceFacts = {
  durationSeconds: 4 * 3600,
  sizeBytes: 10e9,
  pixels: FULL_HD,
  frameRate: 30,
  maxOutputKbps: 4670,
  encodedRungPixels: [FULL_HD, ...BELOW_1080],
};

/** The wall time of an honest ladder on two cores, at 2.5 CPU seconds per second of 1080p30. */
const honestHours = (facts: SourceFacts) => (2.5 * facts.durationSeconds) / 2 / 3600;

describe('encodeTimeoutMs', () => {
  it('gives a 4-hour 1080p30 ladder several times its honest run, far more than the fixed 6 h', () => {
    const timeout = encodeTimeoutMs(LECTURE);
    expect(honestHours(LECTURE)).toBe(5);
    expect(timeout).toBeGreaterThan(3 * 5 * HOUR);
    expect(timeout).toBeGreaterThan(jobCatalog['media.encode'].timeoutMs);
    expect(timeout).toBeLessThan(2 * 24 * HOUR);
  });

  it('never times out before the ladder could spend its CPU limit on two cores, nor long after', () => {
    for (const facts of [
      LECTURE,
      { ...LECTURE, encodedRungPixels: BELOW_1080 },
      { ...LECTURE, durationSeconds: 12 * 3600, sizeBytes: 30e9 },
      { ...LECTURE, durationSeconds: 600, sizeBytes: 400e6 },
    ]) {
      const limit = processingLimits(facts, 2).cpuSeconds;
      const timeout = encodeTimeoutMs(facts);
      expect(timeout).toBeGreaterThanOrEqual((limit / 2) * 1000);
      // The rest is the floor, or the time to move the bytes.
      expect(timeout - (limit / 2) * 1000).toBeLessThanOrEqual(
        Math.max(MIN_ATTEMPT_MS, (facts.sizeBytes / 2 ** 20) * 1000),
      );
    }
  });

  it('grows with duration, picture, frame rate and the rungs encoded', () => {
    const base = encodeTimeoutMs(LECTURE);
    expect(encodeTimeoutMs({ ...LECTURE, durationSeconds: 8 * 3600 })).toBeGreaterThan(1.9 * base);
    expect(encodeTimeoutMs({ ...LECTURE, pixels: 4 * FULL_HD })).toBeGreaterThan(base);
    expect(encodeTimeoutMs({ ...LECTURE, frameRate: 60 })).toBeGreaterThan(1.8 * base);
    // The source copied as the top rung: the 1080p encode is not done.
    expect(encodeTimeoutMs({ ...LECTURE, encodedRungPixels: BELOW_1080 })).toBeLessThan(0.7 * base);
  });

  it('gives a short clip the floor, and a 12-hour 4K60 source no more than a timer holds', () => {
    const clip = { ...LECTURE, durationSeconds: 30, sizeBytes: 20e6 };
    expect(encodeTimeoutMs(clip)).toBe(MIN_ATTEMPT_MS);
    const huge = {
      ...LECTURE,
      durationSeconds: 12 * 3600,
      pixels: 4 * FULL_HD,
      frameRate: 60,
      sizeBytes: 300e9,
    };
    const timeout = encodeTimeoutMs(huge);
    expect(timeout).toBeLessThanOrEqual(MAX_TIMEOUT_MS);
    expect(timeout).toBe(timeoutForCpuLimit(cpuLimitSeconds(huge), huge.sizeBytes));
    // Not clamped: the kernel's CPU limit is reached before the attempt ends.
    expect(timeout).toBeGreaterThan((cpuLimitSeconds(huge) / 2) * 1000);
    expect(MAX_TIMEOUT_MS).toBeLessThan(2 ** 31);
  });

  it('gives audio alone little CPU (nothing decoded or encoded but the sound)', () => {
    const podcast = { ...LECTURE, pixels: 0, frameRate: null, encodedRungPixels: [], sizeBytes: 230e6 };
    expect(cpuLimitSeconds(podcast)).toBe(120 + 4 * 4 * 3600 * 0.1);
    expect(encodeTimeoutMs(podcast)).toBeLessThan(HOUR);
  });
});

describe('processTimeoutMs', () => {
  it('grows with the original’s bytes from a floor of 30 minutes', () => {
    expect(processTimeoutMs(0)).toBe(MIN_ATTEMPT_MS);
    expect(processTimeoutMs(50e6)).toBeGreaterThan(MIN_ATTEMPT_MS);
    expect(processTimeoutMs(10 * 2 ** 30)).toBe(MIN_ATTEMPT_MS + 5120 * 1000);
    expect(processTimeoutMs(80e9)).toBeGreaterThan(6 * HOUR);
    expect(processTimeoutMs(80e9)).toBeLessThan(MAX_TIMEOUT_MS);
  });
});
