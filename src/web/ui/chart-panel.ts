/**
 * One chart's panel: title, caption, a status badge (stale, paused), and either the figure or
 * the chart's empty text, with a tooltip on hover.
 */
import type { ChartDeclaration, RenderContext, Rendered } from "../charts/chart";
import { CHART_HEIGHT } from "../charts/chart";
import { RENDERERS } from "../charts/index";
import type { ChartData } from "../shared/chart-data";
import { el, setText } from "./dom";
import { ChartTooltip } from "./tooltip";

/** What every panel draws with besides the data (the shared time base and domain). */
export type ViewContext = Omit<RenderContext, "width" | "height">;

/** See the module comment. */
export class ChartPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly tooltip: ChartTooltip;
  private hasFigure = false;
  // Width from a ResizeObserver: reading clientWidth while drawing would force a synchronous
  // layout of everything mutated earlier in the same frame.
  width = 400;
  /** Draw times of this chart: count, total and longest, ms. */
  readonly drawStats = { n: 0, totalMs: 0, maxMs: 0 };

  constructor(readonly chart: ChartDeclaration) {
    this.root = el("section", "panel");
    this.root.id = `chart-${chart.id}`;
    const head = el("div", "panel-head");
    this.badge = el("span", "badge");
    this.badge.hidden = true;
    head.append(el("h2", undefined, chart.title), this.badge);
    this.root.append(head, el("p", "caption", chart.caption));
    this.body = el("div", "chart-body");
    this.body.append(el("p", "empty", "Loading…"));
    this.root.append(this.body);
    this.tooltip = new ChartTooltip(this.body);
    new ResizeObserver((entries) => {
      for (const e of entries) this.width = Math.max(240, Math.floor(e.contentRect.width));
    }).observe(this.body);
  }

  /** Shows `text` as the panel's badge (stale, paused), or hides it. */
  setBadge(text: string | null): void {
    this.badge.hidden = text === null;
    if (text !== null) setText(this.badge, text);
  }

  /** Draws `d`; returns the time it took in ms. */
  draw(d: ChartData, view: ViewContext): number {
    const t0 = performance.now();
    let r: Rendered | null = null;
    try {
      r = RENDERERS[this.chart.kind](this.chart, d, { ...view, width: this.width, height: CHART_HEIGHT });
    } catch (err) {
      // A chart that cannot draw says so and leaves the others alone.
      this.body.replaceChildren(el("p", "empty", `This chart could not be drawn: ${err instanceof Error ? err.message : String(err)}`), this.tooltip.box);
      this.hasFigure = false;
      this.tooltip.setRendered(null);
      return performance.now() - t0;
    }
    if (r) {
      this.body.replaceChildren(r.figure, this.tooltip.box);
      this.hasFigure = true;
    } else if (this.hasFigure || this.body.firstElementChild?.textContent !== this.chart.empty) {
      this.body.replaceChildren(el("p", "empty", this.chart.empty), this.tooltip.box);
      this.hasFigure = false;
    }
    this.tooltip.setRendered(r);
    this.root.dataset.drawn = r ? "data" : "empty";
    const ms = performance.now() - t0;
    this.drawStats.n++;
    this.drawStats.totalMs += ms;
    this.drawStats.maxMs = Math.max(this.drawStats.maxMs, ms);
    return ms;
  }
}
