/** The purchase-anomaly timeline (SPEC purchase_anomalies): each alert at its event time, by z-score. */
import * as Plot from "@observablehq/plot";
import { CHART_HEIGHT, type ChartModule } from "./chart";

/** |z| above which a purchase is an anomaly (SPEC). */
const THRESHOLD = 3;

/** See the module comment. */
export const anomaliesChart: ChartModule = {
  id: "anomalies",
  title: "Purchase anomalies",
  caption: "purchase_anomalies: |z| > 3 against the category's earlier transactions; dot size = amount",
  empty: "No anomalies yet (each category needs 30 transactions first).",
  // Alerts only ever get appended (oldest dropped): count and newest identify the picture.
  signature: (d) => `${d.anomalies.x.length}:${d.anomalies.x[d.anomalies.x.length - 1]}:${d.anomalies.y[d.anomalies.y.length - 1]}`,
  render(d, width) {
    const a = d.anomalies;
    if (a.x.length === 0) return null;
    const cat = Array.from(a.k, (k) => a.keys[k]);
    return Plot.plot({
      width,
      height: CHART_HEIGHT,
      marginLeft: 40,
      x: { type: "utc", label: null },
      y: { label: "z", grid: true },
      r: { range: [2, 9] },
      color: { legend: true, domain: [...a.keys].sort() },
      marks: [
        Plot.ruleY([THRESHOLD, -THRESHOLD], { stroke: "#c33", strokeDasharray: "4,3" }),
        Plot.ruleY([0], { stroke: "#999" }),
        Plot.dot({ length: a.x.length }, {
          x: a.x,
          y: a.y,
          r: a.amount,
          fill: cat,
          fillOpacity: 0.75,
        }),
      ],
    });
  },
};
