/** Revenue per category over 5-minute windows sliding every minute (SPEC category_revenue). */
import * as Plot from "@observablehq/plot";
import { byFinality, CHART_HEIGHT, type ChartModule, names } from "./chart";

/** See the module comment. */
export const categoryRevenueChart: ChartModule = {
  id: "category-revenue",
  title: "Revenue per category (5-minute sliding)",
  caption: "category_revenue, 5-minute windows every minute, at window end; hollow = window still open",
  empty: "No revenue yet: waiting for transactions.",
  render(d, width) {
    const s = d.categoryRevenue;
    if (s.x.length === 0) return null;
    const z = names(s);
    const f = byFinality(s);
    return Plot.plot({
      width,
      height: CHART_HEIGHT,
      marginLeft: 60,
      x: { type: "utc", label: null },
      y: { label: "revenue ($)", grid: true, tickFormat: "~s" },
      color: { legend: true, domain: [...s.keys].sort() },
      marks: [
        Plot.lineY({ length: s.x.length }, { x: s.x, y: s.y, z, stroke: z }),
        // Closed windows filled, open (partial) ones hollow: two marks, since a fill channel that
        // mixes series names and a literal colour would send "white" through the colour scale.
        Plot.dot({ length: f.final.x.length }, { x: f.final.x, y: f.final.y, fill: f.final.z, r: 2.5 }),
        Plot.dot({ length: f.open.x.length }, { x: f.open.x, y: f.open.y, stroke: f.open.z, fill: "white", r: 2.5 }),
      ],
    });
  },
};
