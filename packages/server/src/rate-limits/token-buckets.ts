/** A refused take: how long until one token is back. */
export type TakeVerdict = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/**
 * Token buckets by key, in this process: each holds up to `perMinute` tokens and refills at
 * `perMinute` a minute, so a caller may burst a minute's worth and then goes at the steady rate.
 * Buckets idle long enough to be full again are forgotten when the map grows.
 *
 * @example const buckets = new TokenBuckets(600); buckets.take('key:abc') // { ok: true, remaining: 599 }
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 50_000,
  ) {}

  take(key: string): TakeVerdict {
    const now = this.now();
    const perMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    if (!this.buckets.has(key)) this.remember(key, bucket, now);
    if (bucket.tokens < 1) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
    }
    bucket.tokens -= 1;
    return { ok: true, remaining: Math.floor(bucket.tokens) };
  }

  private remember(key: string, bucket: { tokens: number; at: number }, now: number): void {
    if (this.buckets.size >= this.maxKeys) {
      // A bucket untouched for a minute is full again: forgetting it changes nothing.
      for (const [k, b] of this.buckets) if (now - b.at >= 60_000) this.buckets.delete(k);
    }
    this.buckets.set(key, bucket);
  }
}
