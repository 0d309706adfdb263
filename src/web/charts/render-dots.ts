/**
 * The anomaly timeline: one dot per alert at its event time and z-score, coloured by category
 * (the same colours as every chart), sized by amount, with the |z| = 3 threshold; the y axis
 * reaches below zero only when a negative alert exists.
 */
import * as Plot from "@observablehq/plot";
import { categoryColor } from "./colors";
import { formatValue, pointHitter, type Renderer, timeAxis } from "./chart";

/** |z| above which a purchase is an anomaly (SPEC). */
const THRESHOLD = 3;

/** See the module comment. */
export const renderDots: Renderer = (c, d, ctx) => {
  const a = d.anomalies;
  const n = a.x.length;
  if (n === 0) return null;
  const cat = Array.from(a.k, (k) => a.keys[k]);
  const keys = [...a.keys].sort();
  let lo = 0;
  let hi = THRESHOLD + 1;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, a.y[i]);
    hi = Math.max(hi, a.y[i]);
  }
  const fig = Plot.plot({
    width: ctx.width,
    height: ctx.height,
    marginLeft: 48,
    marginBottom: 50,
    x: timeAxis(ctx),
    y: { label: c.y.label, grid: true, domain: [lo < 0 ? Math.min(lo, -THRESHOLD - 1) * 1.05 : 0, hi * 1.08] },
    r: { range: [2.5, 9] },
    color: { legend: true, domain: keys, range: keys.map(categoryColor) },
    marks: [
      Plot.ruleY(lo < 0 ? [THRESHOLD, -THRESHOLD] : [THRESHOLD], { stroke: "#c33", strokeDasharray: "4,3" }),
      Plot.ruleY([0], { stroke: "#999" }),
      Plot.dot({ length: n }, { x: a.x, y: a.y, r: a.amount, fill: cat, fillOpacity: 0.8, stroke: "white", strokeWidth: 0.5, clip: true }),
    ],
  });
  const find = pointHitter(fig, n, (j) => a.x[j], (j) => a.y[j], 20);
  return {
    figure: fig,
    hit(px, py) {
      const h = find(px, py);
      if (!h) return null;
      const i = h.i;
      const category = a.keys[a.k[i]];
      return {
        x: h.x,
        y: h.y,
        title: `transaction ${a.ids[i] || "–"}`,
        color: categoryColor(category),
        rows: [
          ["product", a.products[i]],
          ["category", category],
          ["amount", formatValue(a.amount[i], "money")],
          ["category mean", `${formatValue(a.mean[i], "money")} (sd ${formatValue(a.stddev[i], "money")})`],
          ["z", formatValue(a.y[i], "z")],
          ["time", ctx.time.full(a.x[i])],
        ],
      };
    },
  };
};
