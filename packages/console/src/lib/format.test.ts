import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatBitrate,
  formatDuration,
  formatSeconds,
  formatTimestamp,
  parseTags,
} from './format.ts';
import { can, homeOf } from './roles.ts';

describe('formatDuration', () => {
  it('writes minutes and seconds, hours when there are some', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65.4)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(null)).toBe('–');
  });
});

describe('formatTimestamp', () => {
  it('shows the second a moment is in, as a clock does', () => {
    expect(formatTimestamp(83)).toBe('1:23');
    expect(formatTimestamp(83.9)).toBe('1:23');
    expect(formatTimestamp(0.4)).toBe('0:00');
    expect(formatTimestamp(3723.5)).toBe('1:02:03');
  });
});

describe('formatBitrate and formatSeconds', () => {
  it('pick a readable unit', () => {
    expect(formatBitrate(2_500_000)).toBe('2.5 Mb/s');
    expect(formatBitrate(800_000)).toBe('800 kb/s');
    expect(formatSeconds(42)).toBe('42 s');
    expect(formatSeconds(3900)).toBe('1 h 5 min');
  });
});

describe('formatAge', () => {
  it('says how long ago', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(formatAge('2026-01-10T11:59:50Z', now)).toBe('just now');
    expect(formatAge('2026-01-10T11:50:00Z', now)).toBe('10 min ago');
    expect(formatAge('2026-01-09T12:00:00Z', now)).toBe('1 day ago');
  });
});

describe('parseTags', () => {
  it('splits on commas and drops empties and repeats', () => {
    expect(parseTags(' a, b ,,a, c ')).toEqual(['a', 'b', 'c']);
  });
});

describe('roles', () => {
  it('let viewers read only, editors write media, admins manage settings', () => {
    expect(can('viewer', 'media:write')).toBe(false);
    expect(can('editor', 'media:write')).toBe(true);
    expect(can('editor', 'settings')).toBe(false);
    expect(can('admin', 'settings')).toBe(true);
    expect(can('operator', 'operator')).toBe(true);
    expect(homeOf('operator')).toBe('/operator/health');
    expect(homeOf('viewer')).toBe('/library');
  });
});
