import { describe, expect, it } from 'vitest';
import { isWellFormedId, newId } from './ids.ts';

describe('newId', () => {
  it('has the prefix and 26 base32 characters', () => {
    const id = newId('med');
    expect(id).toMatch(/^med_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(isWellFormedId('med', id)).toBe(true);
    expect(isWellFormedId('ten', id)).toBe(false);
  });

  it('sorts by creation time', () => {
    const ids = [1, 2, 1000, 1_700_000_000_000].map((t) => newId('x', t));
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps the order of ids made within one millisecond', () => {
    const ids = Array.from({ length: 1_000 }, () => newId('x', 7));
    expect([...ids].sort()).toEqual(ids);
  });

  it('does not collide', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('x', 5)));
    expect(ids.size).toBe(10_000);
  });
});
