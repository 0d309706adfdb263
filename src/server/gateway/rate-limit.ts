/**
 * Token buckets for POST /collect: one per client key (see client-address.ts), remembered in a
 * bounded map in least-recently-used order, under one global bucket shared by every client.
 *
 * A new key starts with a full burst, so rotating addresses gets around the per-client bucket;
 * the global bucket is what bounds that. A key is only remembered when its request could pass
 * the global bucket, so a flood of new addresses adds keys no faster than the global rate and
 * pushes an active client's bucket out (handing it a fresh burst) only after `maxKeys / globalRate`
 * seconds of its own silence.
 */

/** Options of {@link RateLimiter}. */
export interface RateLimitOptions {
  /** Requests per second per client key, and the burst it may save up. */
  rate: number;
  burst: number;
  /** Requests per second across all clients, and its burst. */
  globalRate: number;
  globalBurst: number;
  /** Client keys remembered at most (default 10,000); the least recently used goes first. */
  maxKeys?: number;
  now?: () => number;
}

/** Outcome of {@link RateLimiter.take}: refused by the client's or the global bucket. */
export type RateVerdict = { ok: true } | { ok: false; scope: "client" | "global"; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** See the module comment. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly global: Bucket;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly opts: RateLimitOptions) {
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.global = { tokens: opts.globalBurst, at: this.now() };
  }

  /** Client keys remembered now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Whether `key` has a bucket (was seen and not evicted). */
  has(key: string): boolean {
    return this.buckets.has(key);
  }

  /** Takes one token of `key` and one of the global bucket, or neither. */
  take(key: string): RateVerdict {
    const now = this.now();
    const { rate, burst, globalRate, globalBurst } = this.opts;
    refill(this.global, now, globalRate, globalBurst);
    let b = this.buckets.get(key);
    if (b) {
      refill(b, now, rate, burst);
      this.touch(key, b);
      // Refused by its own bucket first: a client over its limit does not drain the shared one.
      if (b.tokens < 1) return { ok: false, scope: "client", retryAfterMs: waitFor(b, rate) };
    }
    if (this.global.tokens < 1) return { ok: false, scope: "global", retryAfterMs: waitFor(this.global, globalRate) };
    if (!b) this.touch(key, (b = { tokens: burst, at: now }));
    b.tokens -= 1;
    this.global.tokens -= 1;
    return { ok: true };
  }

  /** Moves `key` to the most recently used end (Map keeps insertion order); evicts the oldest. */
  private touch(key: string, b: Bucket): void {
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }
}

function refill(b: Bucket, now: number, rate: number, burst: number): void {
  b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * rate);
  b.at = now;
}

function waitFor(b: Bucket, rate: number): number {
  return Math.ceil(((1 - b.tokens) / rate) * 1000);
}
