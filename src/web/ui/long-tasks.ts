/**
 * Main-thread tasks over 50 ms, from PerformanceObserver 'longtask' (Chromium): the console's
 * promise is that the main thread only draws, so the health strip shows these and the e2e
 * measurement asserts on them.
 */

/** A long task: start (performance.now() ms) and duration. */
export interface LongTask {
  start: number;
  duration: number;
}

/** See the module comment. */
export class LongTaskMonitor {
  readonly supported: boolean;
  private tasks: LongTask[] = [];
  private count = 0;
  private max = 0;

  constructor() {
    this.supported = typeof PerformanceObserver !== "undefined" && (PerformanceObserver.supportedEntryTypes ?? []).includes("longtask");
    if (!this.supported) return;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.count++;
        this.max = Math.max(this.max, e.duration);
        this.tasks.push({ start: e.startTime, duration: e.duration });
        if (this.tasks.length > 200) this.tasks.shift();
      }
    }).observe({ type: "longtask", buffered: true });
  }

  /** Count and longest since the last reset, and the newest tasks. */
  summary(): { count: number; maxMs: number; recent: LongTask[] } {
    return { count: this.count, maxMs: this.max, recent: [...this.tasks] };
  }

  /** Tasks that started at or after `since` (performance.now() ms). */
  since(since: number): LongTask[] {
    return this.tasks.filter((t) => t.start >= since);
  }

  reset(): void {
    this.tasks = [];
    this.count = 0;
    this.max = 0;
  }
}
