import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

describe('GroupCommit', () => {
  it('writes items added in one tick together, and those added meanwhile in the next write', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number, string>(async (items) => {
      writes.push(items);
      if (writes.length === 1) await new Promise<void>((r) => (release = r));
      return items.map((n) => `done ${n}`);
    });
    const first = [group.add(1), group.add(2)];
    await Promise.resolve();
    const later = [group.add(3), group.add(4), group.add(5)];
    release();
    expect(await Promise.all([...first, ...later])).toEqual([
      'done 1',
      'done 2',
      'done 3',
      'done 4',
      'done 5',
    ]);
    expect(writes).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it('fails only the items of a failed write, and goes on writing later ones', async () => {
    let fail = true;
    const group = new GroupCommit<number, number>(async (items) => {
      if (fail) {
        fail = false;
        throw new Error('database down');
      }
      return items;
    });
    await expect(group.add(1)).rejects.toThrow('database down');
    expect(await group.add(2)).toBe(2);
  });
});
