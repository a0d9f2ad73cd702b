/** Gives a slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

/**
 * A first-come, first-served limit on how many pieces of work run at once. A slot is given back
 * by its holder or, at the latest, after `maxHoldMs`: the queue bounds how much work *starts*
 * together, and a long holder (an hour-long byte stream) does not keep others out.
 *
 * @example const queue = new AdmissionQueue({ slots: 8, maxHoldMs: 1000 });
 *          const release = await queue.acquire(); try { await work(); } finally { release(); }
 */
export class AdmissionQueue {
  private busy = 0;
  private readonly waiting: ((release: ReleaseSlot) => void)[] = [];

  constructor(private readonly opts: { slots: number; maxHoldMs: number }) {
    if (!Number.isInteger(opts.slots) || opts.slots < 1) throw new Error('slots must be a whole number >= 1');
  }

  /** Slots held now. */
  get running(): number {
    return this.busy;
  }

  /** Callers waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  acquire(): Promise<ReleaseSlot> {
    if (this.busy < this.opts.slots) {
      this.busy++;
      return Promise.resolve(this.slot());
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private slot(): ReleaseSlot {
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      clearTimeout(timer);
      const next = this.waiting.shift();
      // The slot passes straight to the next in line, so the count of busy slots stays.
      if (next) next(this.slot());
      else this.busy--;
    };
    const timer = setTimeout(release, this.opts.maxHoldMs);
    timer.unref();
    return release;
  }
}
