import { describe, expect, it } from 'vitest';
import { formatClock } from './recording-format.ts';

describe('formatClock', () => {
  it('shows minutes and seconds, and hours once there are any', () => {
    expect(formatClock(0)).toBe('00:00');
    expect(formatClock(75.9)).toBe('01:15');
    expect(formatClock(3725)).toBe('1:02:05');
    expect(formatClock(-3)).toBe('00:00');
  });
});
