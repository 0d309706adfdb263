/** One chart's panel: title, caption, and either the figure or the chart's empty text. */
import type { ChartModule } from "../charts/chart";
import type { ChartData } from "../shared/chart-data";
import { el } from "./dom";

/** See the module comment. */
export class ChartPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private hasFigure = false;
  // Width from a ResizeObserver: reading clientWidth while drawing would force a synchronous
  // layout of everything mutated earlier in the same frame.
  private width = 400;
  /** Draw times of this chart: count, total and longest, ms. */
  readonly drawStats = { n: 0, totalMs: 0, maxMs: 0 };

  constructor(readonly chart: ChartModule) {
    this.root = el("section", "panel");
    this.root.id = `chart-${chart.id}`;
    this.root.append(el("h2", undefined, chart.title), el("p", "caption", chart.caption));
    this.body = el("div", "chart-body");
    this.body.append(el("p", "empty", "Loading…"));
    this.root.append(this.body);
    new ResizeObserver((entries) => {
      for (const e of entries) this.width = Math.max(240, Math.floor(e.contentRect.width));
    }).observe(this.body);
  }

  private drawnSignature: string | undefined;
  private drawnWidth = 0;

  /** Draws `d` (unless its signature and the width are unchanged); returns the time it took in ms. */
  draw(d: ChartData): number {
    const t0 = performance.now();
    const sig = this.chart.signature?.(d);
    if (sig !== undefined && sig === this.drawnSignature && this.width === this.drawnWidth) return 0;
    this.drawnSignature = sig;
    this.drawnWidth = this.width;
    const fig = this.chart.render(d, this.width);
    if (fig) {
      this.body.replaceChildren(fig);
      this.hasFigure = true;
    } else if (this.hasFigure || this.body.textContent !== this.chart.empty) {
      this.body.replaceChildren(el("p", "empty", this.chart.empty));
      this.hasFigure = false;
    }
    this.root.dataset.drawn = fig ? "data" : "empty";
    const ms = performance.now() - t0;
    this.drawStats.n++;
    this.drawStats.totalMs += ms;
    this.drawStats.maxMs = Math.max(this.drawStats.maxMs, ms);
    return ms;
  }
}
