/** Counts of the last minute from cumulative counters sampled at each update. */
import type { LastMinute } from "./health-rules";

/** See the module comment. */
export class LastMinuteCounter {
  private readonly samples: { at: number; v: LastMinute }[] = [];

  constructor(private readonly spanMs = 60_000) {}

  /** Records the cumulative totals at `now` and returns what changed over the last span. */
  sample(now: number, totals: LastMinute): LastMinute {
    this.samples.push({ at: now, v: totals });
    while (this.samples.length > 2 && this.samples[1].at <= now - this.spanMs) this.samples.shift();
    const base = this.samples[0].v;
    // A counter that went down (the tab started over) counts from zero again.
    const d = (k: keyof LastMinute) => (totals[k] >= base[k] ? totals[k] - base[k] : totals[k]);
    return { events: d("events"), dropped: d("dropped"), late: d("late"), invalid: d("invalid") };
  }

  /** Forgets the samples (the tab's pipeline started over). */
  reset(): void {
    this.samples.length = 0;
  }
}
