/** Page views per product per 1-minute window (SPEC page_views): a heat strip of the top products. */
import * as Plot from "@observablehq/plot";
import { CHART_HEIGHT, type ChartModule, names, partialOpacity, plus } from "./chart";

/** See the module comment. */
export const pageViewsChart: ChartModule = {
  id: "page-views",
  title: "Page views per product per minute",
  caption: "page_views, 1-minute tumbling windows; most viewed products; the open window is lighter",
  empty: "No page views yet: waiting for clickstream events with action view.",
  render(d, width) {
    const s = d.pageViews;
    if (s.x.length === 0) return null;
    return Plot.plot({
      width,
      height: CHART_HEIGHT,
      marginLeft: 70,
      x: { type: "utc", label: null },
      y: { label: null, domain: s.keys },
      color: { scheme: "blues", legend: false, label: "views" },
      marks: [
        Plot.barX({ length: s.x.length }, {
          x1: s.x,
          x2: plus(s.x, 60_000),
          y: names(s),
          fill: s.y,
          fillOpacity: partialOpacity(s),
          inset: 0.5,
        }),
      ],
    });
  },
};
