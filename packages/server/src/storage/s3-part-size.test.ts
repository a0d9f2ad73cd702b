import { describe, expect, it } from 'vitest';
import { DEFAULT_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, partSizeFor } from './s3-part-size.ts';

const GiB = 1024 ** 3;

describe('partSizeFor', () => {
  it('uses the preferred size for unknown and small bodies', () => {
    expect(partSizeFor(undefined)).toBe(DEFAULT_PART_SIZE);
    expect(partSizeFor(20 * 1024 * 1024)).toBe(DEFAULT_PART_SIZE);
    expect(partSizeFor(DEFAULT_PART_SIZE * MAX_PARTS)).toBe(DEFAULT_PART_SIZE);
  });

  it('never goes below S3 minimum part size', () => {
    expect(partSizeFor(undefined, 1024)).toBe(MIN_PART_SIZE);
  });

  it.each([100 * GiB, 1000 * GiB, 5 * 1024 * GiB, DEFAULT_PART_SIZE * MAX_PARTS + 1])(
    'keeps %d bytes within 10,000 parts',
    (size) => {
      const part = partSizeFor(size);
      expect(part).toBeGreaterThan(DEFAULT_PART_SIZE);
      expect(Math.ceil(size / part)).toBeLessThanOrEqual(MAX_PARTS);
    },
  );
});
