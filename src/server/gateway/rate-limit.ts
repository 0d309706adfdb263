/** A token bucket per key (client address) for POST /collect. */

/** See the module comment. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** `rate` requests per second, bursts of up to `burst`. */
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; false when none is left. */
  take(key: string): boolean {
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      // Bounded memory: forget every bucket rather than grow without end under many addresses.
      if (this.buckets.size >= 10_000) this.buckets.clear();
      this.buckets.set(key, (b = { tokens: this.burst, at: now }));
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
