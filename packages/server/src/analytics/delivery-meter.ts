import type { UsageRepository } from './usage.repository.ts';

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Counts the bytes /play delivers per tenant and UTC day in memory, and adds them to
 * `usage_daily` every few seconds (and when the process stops). A process that dies loses at
 * most the last interval's count.
 */
export class DeliveryMeter {
  private pending = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly usage: Pick<UsageRepository, 'addDelivered'>,
    private readonly now: () => number = Date.now,
  ) {}

  delivered(tenantId: string, bytes: number): void {
    const key = `${tenantId} ${utcDay(this.now())}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + bytes);
  }

  start(intervalMs = 5000): void {
    this.timer ??= setInterval(() => void this.flush().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const taken = this.pending;
    this.pending = new Map();
    const entries = [...taken].map(([key, bytes]) => {
      const [tenantId = '', day = ''] = key.split(' ');
      return { tenantId, day, bytes };
    });
    try {
      await this.usage.addDelivered(entries);
    } catch (err) {
      // Kept for the next flush rather than lost.
      for (const e of entries) this.delivered(e.tenantId, e.bytes);
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
