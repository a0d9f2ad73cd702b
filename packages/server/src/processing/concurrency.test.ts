import { describe, expect, it } from 'vitest';
import { alongside, eachConcurrently } from './concurrency.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves after `ms`, or rejects with the signal's reason as soon as it is aborted. */
function work(ms: number, signal: AbortSignal, log: string[], name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    log.push(`${name} started`);
    const timer = setTimeout(() => {
      log.push(`${name} done`);
      resolve();
    }, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      log.push(`${name} stopped`);
      reject(signal.reason as Error);
    });
  });
}

describe('alongside', () => {
  it('runs both at once and waits for the slower one', async () => {
    const log: string[] = [];
    const started = Date.now();
    const result = await alongside(
      new AbortController().signal,
      (s) => work(60, s, log, 'ladder'),
      async (s) => {
        await work(10, s, log, 'preview');
        return 'published';
      },
    );
    expect(result).toBe('published');
    expect(log).toEqual(['ladder started', 'preview started', 'preview done', 'ladder done']);
    expect(Date.now() - started).toBeLessThan(110);
  });

  it('stops the foreground when the background fails, and passes on that first error', async () => {
    const log: string[] = [];
    const boom = new Error('ffmpeg failed');
    const run = alongside(
      new AbortController().signal,
      async () => {
        await sleep(5);
        throw boom;
      },
      (s) => work(1_000, s, log, 'preview'),
    );
    await expect(run).rejects.toBe(boom);
    expect(log).toEqual(['preview started', 'preview stopped']);
  });

  it('stops the background when the foreground fails', async () => {
    const log: string[] = [];
    const boom = new Error('publish failed');
    const run = alongside(
      new AbortController().signal,
      (s) => work(1_000, s, log, 'ladder'),
      async () => {
        await sleep(5);
        throw boom;
      },
    );
    await expect(run).rejects.toBe(boom);
    expect(log).toEqual(['ladder started', 'ladder stopped']);
  });

  it('stops both when the outer signal is aborted', async () => {
    const log: string[] = [];
    const outer = new AbortController();
    const cancelled = new Error('cancelled');
    const run = alongside(
      outer.signal,
      (s) => work(1_000, s, log, 'ladder'),
      (s) => work(1_000, s, log, 'preview'),
    );
    setTimeout(() => {
      outer.abort(cancelled);
    }, 5);
    await expect(run).rejects.toBe(cancelled);
    expect(log.filter((l) => l.endsWith('stopped')).sort()).toEqual(['ladder stopped', 'preview stopped']);
  });
});

describe('eachConcurrently', () => {
  it('never runs more than the limit at once, and runs every item', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await eachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await sleep(5 + (n % 3));
      running--;
      done.push(n);
    });
    expect(most).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = eachConcurrently([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await sleep(5);
      if (n === 1) throw new Error('disk full');
    });
    await expect(run).rejects.toThrow('disk full');
    expect(started).toEqual([1, 2]);
  });

  it('does nothing for no items', async () => {
    await expect(eachConcurrently([], 4, () => Promise.reject(new Error('never')))).resolves.toBeUndefined();
  });
});
