import { describe, expect, it } from 'vitest';
import { pageTitle } from './page-title.ts';

describe('pageTitle', () => {
  it('puts the page first and Kino after it', () => {
    expect(pageTitle('Library')).toBe('Library — Kino');
    expect(pageTitle('  ')).toBe('Kino');
    expect(pageTitle(undefined)).toBe('Kino');
  });
});
