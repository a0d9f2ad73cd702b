import { describe, expect, it } from 'vitest';
import { paginate } from './pagination.ts';

describe('paginate', () => {
  const pages: Record<string, { items: number[]; nextCursor: string | null }> = {
    start: { items: [1, 2], nextCursor: 'b' },
    b: { items: [3, 4], nextCursor: 'c' },
    c: { items: [5], nextCursor: null },
  };

  it('yields every item of every page, passing each next cursor', async () => {
    const cursors: (string | undefined)[] = [];
    const items: number[] = [];
    for await (const item of paginate(async (cursor) => {
      cursors.push(cursor);
      return pages[cursor ?? 'start']!;
    })) {
      items.push(item);
    }
    expect(items).toEqual([1, 2, 3, 4, 5]);
    expect(cursors).toEqual([undefined, 'b', 'c']);
  });

  it('fetches no further page once the loop stops', async () => {
    let fetched = 0;
    for await (const item of paginate(async (cursor) => {
      fetched++;
      return pages[cursor ?? 'start']!;
    })) {
      if (item === 2) break;
    }
    expect(fetched).toBe(1);
  });
});
