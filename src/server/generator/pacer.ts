/**
 * Rate control with an injectable clock, so that tests can check the rate on a virtual clock
 * instead of sleeping in real time.
 */

/** Monotonic milliseconds and a way to wait. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock (monotonic `performance.now`, `setTimeout`). */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A virtual clock for tests: `sleep` advances time at once. */
export class ManualClock implements Clock {
  constructor(public t = 0) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.t += Math.max(0, ms);
    return Promise.resolve();
  }
}

/**
 * Hands out permits at `rate` per second on an absolute schedule (no drift from timer
 * jitter), in batches of about one tick's worth. When the caller falls behind by more than
 * `maxBacklogMs` (a slow broker, a paused process), the missed permits are forgotten rather
 * than burst out at once.
 */
export class Pacer {
  private t0: number | undefined;
  private issued = 0;
  private readonly minBatch: number;

  /**
   * @param rate permits per second; `Infinity` hands out every request at once (`--rate max`).
   * @param tickMs the granularity: one wake-up hands out up to `rate * tickMs / 1000` permits.
   */
  constructor(
    readonly rate: number,
    private readonly clock: Clock = systemClock,
    private readonly tickMs = 10,
    private readonly maxBacklogMs = 1000,
  ) {
    if (!(rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
    this.minBatch = Number.isFinite(rate) ? Math.max(1, Math.floor((rate * tickMs) / 1000)) : 1;
  }

  /** Permits handed out so far. */
  get total(): number {
    return this.issued;
  }

  /** Waits until at least one permit is due and returns how many (1..max) the caller may use. */
  async take(max: number): Promise<number> {
    if (max <= 0) return 0;
    if (!Number.isFinite(this.rate)) {
      this.issued += max;
      return max;
    }
    const perMs = this.rate / 1000;
    const want = Math.min(max, this.minBatch);
    for (;;) {
      const now = this.clock.now();
      this.t0 ??= now;
      // The epsilon absorbs float error when a sleep ends exactly on a permit boundary.
      let due = Math.floor((now - this.t0) * perMs + 1e-9) - this.issued;
      const cap = Math.max(want, Math.ceil(this.maxBacklogMs * perMs));
      if (due > cap) {
        // Rebase the schedule so that only `cap` permits are owed.
        this.t0 = now - (this.issued + cap) / perMs;
        due = cap;
      }
      if (due >= want) {
        const n = Math.min(due, max);
        this.issued += n;
        return n;
      }
      await this.clock.sleep(Math.max(1, (this.issued + want) / perMs - (now - this.t0)));
    }
  }
}
