/**
 * Conversion rate per 1-minute window over all products: SPEC `conversions` (a view or click
 * followed by a purchase of the same product within 10 minutes) and product_activity's
 * purchases / views.
 */
import * as Plot from "@observablehq/plot";
import { byFinality, CHART_HEIGHT, type ChartModule, names } from "./chart";

/** See the module comment. */
export const conversionChart: ChartModule = {
  id: "conversion-rate",
  title: "Conversion rate",
  caption: "conversions (click → purchase within 10 min) and purchases / views, per minute; hollow = still open",
  empty: "No conversion data yet: waiting for views and clicks.",
  render(d, width) {
    const s = d.conversion;
    if (s.x.length === 0) return null;
    const z = names(s);
    const f = byFinality(s);
    return Plot.plot({
      width,
      height: CHART_HEIGHT,
      marginLeft: 50,
      x: { type: "utc", label: null },
      y: { label: null, grid: true, tickFormat: ".1%", zero: true },
      color: { legend: true, domain: s.keys },
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
