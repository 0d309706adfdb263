/**
 * Draws updates on animation frames without long tasks: an update marks every chart dirty, and
 * each frame draws one dirty chart, plus more only while the frame's time budget (12 ms) still
 * fits a typical draw (moving average), so one frame's work stays far below 50 ms however many
 * charts there are, and a light update still reaches the screen in one or two frames. A newer update replaces a
 * not-yet-drawn one (its latencies are kept and count from when the newer one is drawn). The
 * promise of `accept` resolves once the update is on screen: the worker waits for it before
 * posting again, so updates never queue up behind a slow main thread. While paused, updates
 * are taken but not drawn (like a hidden page); resuming draws the newest.
 */
import type { ChartData } from "../shared/chart-data";
import type { ChartPanel, ViewContext } from "./chart-panel";

/** See the module comment. */
export class RenderScheduler {
  private latest: ChartData | null = null;
  private pending: { h: Uint32Array; sentAt: number }[] = [];
  private dirty: ChartPanel[] = [];
  private waiting: (() => void)[] = [];
  private scheduled = false;
  /** Longest single chart draw so far, ms (the health of the budget). */
  maxDrawMs = 0;
  /** Longest frame of drawing so far, ms. */
  maxFrameMs = 0;
  private avgDrawMs = 8;
  private paused = false;

  constructor(
    private readonly panels: ChartPanel[],
    private readonly view: (d: ChartData) => ViewContext,
    private readonly onDrawn: (d: ChartData, latencies: { h: Uint32Array; sentAt: number }[], drawnAt: number) => void,
    private readonly budgetMs = 12,
  ) {}

  /** The newest update taken (drawn or not). */
  get newest(): ChartData | null {
    return this.latest;
  }

  /** Stops or restarts drawing; resuming draws the newest update. */
  setPaused(p: boolean): void {
    this.paused = p;
    if (!p) this.redraw();
  }

  /** Draws the newest update again (e.g. in another time zone). */
  redraw(): void {
    if (!this.latest || this.paused) return;
    this.dirty = [...this.panels];
    this.schedule();
  }

  /**
   * Takes an update; resolves when it has been drawn. A hidden page gets no animation frames:
   * its updates resolve at once, undrawn (their events never reached a screen, so they add no
   * latency), and the newest is drawn when the page shows again.
   */
  accept(d: ChartData): Promise<void> {
    this.latest = d;
    if (document.hidden || this.paused) {
      this.dirty = [...this.panels];
      return Promise.resolve();
    }
    this.pending.push({ h: d.latency, sentAt: d.sentAt });
    this.dirty = [...this.panels];
    this.schedule();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Draws the newest update when a hidden page becomes visible. */
  watchVisibility(): void {
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && !this.paused && this.latest && this.dirty.length) this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(this.frame);
  }

  private readonly frame = (): void => {
    this.scheduled = false;
    const d = this.latest;
    if (!d || this.paused || this.dirty.length === 0) return;
    const t0 = performance.now();
    const view = this.view(d);
    do {
      const ms = this.dirty.shift()!.draw(d, view);
      this.maxDrawMs = Math.max(this.maxDrawMs, ms);
      this.avgDrawMs += (ms - this.avgDrawMs) / 8;
    } while (this.dirty.length && performance.now() - t0 + this.avgDrawMs < this.budgetMs);
    this.maxFrameMs = Math.max(this.maxFrameMs, performance.now() - t0);
    if (this.dirty.length) {
      this.schedule();
      return;
    }
    const latencies = this.pending;
    this.pending = [];
    this.onDrawn(d, latencies, Date.now());
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  };
}
