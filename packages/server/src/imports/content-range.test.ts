import { describe, expect, it } from 'vitest';
import { ifRangeValidator, parseContentRange } from './content-range.ts';

describe('parseContentRange', () => {
  it('reads start, end and total', () => {
    expect(parseContentRange('bytes 100-199/1000')).toEqual({ start: 100, end: 199, total: 1000 });
    expect(parseContentRange('bytes 0-0/1')).toEqual({ start: 0, end: 0, total: 1 });
    expect(parseContentRange(' Bytes 5-9/* ')).toEqual({ start: 5, end: 9, total: undefined });
  });

  it.each([
    undefined,
    '',
    'bytes */1000',
    'bytes 10-5/100',
    'bytes 0-100/100',
    'items 0-1/2',
    'bytes 1-2',
    'bytes -1-2/3',
    'bytes 0-1/99999999999999999999',
  ])('refuses %j', (value) => {
    expect(parseContentRange(value)).toBeUndefined();
  });
});

describe('ifRangeValidator', () => {
  it('prefers a strong ETag, then Last-Modified, and never a weak ETag', () => {
    const date = 'Wed, 21 Oct 2015 07:28:00 GMT';
    expect(ifRangeValidator({ etag: '"abc"', 'last-modified': date })).toBe('"abc"');
    expect(ifRangeValidator({ etag: 'W/"abc"', 'last-modified': date })).toBe(date);
    expect(ifRangeValidator({ etag: 'W/"abc"' })).toBeUndefined();
    expect(ifRangeValidator({})).toBeUndefined();
  });
});
