import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdmissionQueue } from './admission-queue.ts';

describe('AdmissionQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets `slots` holders in at once and the rest in the order they came', async () => {
    const queue = new AdmissionQueue({ slots: 2, maxHoldMs: 60_000 });
    const order: string[] = [];
    const a = await queue.acquire();
    const b = await queue.acquire();
    const c = queue.acquire().then((release) => {
      order.push('c');
      return release;
    });
    const d = queue.acquire().then((release) => {
      order.push('d');
      return release;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    expect([queue.running, queue.queued]).toEqual([2, 2]);

    b();
    (await c)();
    a();
    (await d)();
    expect(order).toEqual(['c', 'd']);
    expect([queue.running, queue.queued]).toEqual([0, 0]);
  });

  it('ignores a second release of the same slot', async () => {
    const queue = new AdmissionQueue({ slots: 1, maxHoldMs: 60_000 });
    const release = await queue.acquire();
    release();
    release();
    expect(queue.running).toBe(0);
    const again = await queue.acquire();
    expect(queue.running).toBe(1);
    again();
  });

  it('takes a slot back from a holder that keeps it longer than maxHoldMs', async () => {
    vi.useFakeTimers();
    const queue = new AdmissionQueue({ slots: 1, maxHoldMs: 1000 });
    const first = await queue.acquire();
    let second: (() => void) | undefined;
    void queue.acquire().then((release) => (second = release));
    await vi.advanceTimersByTimeAsync(999);
    expect(second).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(second).toBeTypeOf('function');
    // The late release of the first holder does not free the slot the second one holds now.
    first();
    expect(queue.running).toBe(1);
    second?.();
    expect(queue.running).toBe(0);
  });

  it('refuses a queue without slots', () => {
    expect(() => new AdmissionQueue({ slots: 0, maxHoldMs: 1 })).toThrow(/slots/);
  });
});
