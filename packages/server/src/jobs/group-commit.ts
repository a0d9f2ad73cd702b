interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items added while one write is in flight go together in the next write, so a
 * busy caller makes one database round trip for many items and an idle one waits for none.
 *
 * @example const completions = new GroupCommit((jobs) => queue.completeMany(jobs, owner));
 *          const owned = await completions.add(job);
 */
export class GroupCommit<T, R> {
  private pending: Waiting<T, R>[] = [];
  private writing = false;

  /** `write` answers for every item, in the order given. */
  constructor(private readonly write: (items: T[]) => Promise<R[]>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // Items added in the same tick join this write.
        queueMicrotask(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        const results = await this.write(batch.map((w) => w.item));
        batch.forEach((w, i) => {
          w.resolve(results[i] as R);
        });
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.writing = false;
  }
}
