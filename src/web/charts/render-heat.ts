/**
 * A heat strip: one row per key (products, by name), one cell per window or bucket, coloured by
 * value with a colour legend. Cells of open windows are faded and outlined dashed.
 */
import * as Plot from "@observablehq/plot";
import { formatValue, openNote, type Renderer, svgOf, timeAxis, windowLabel } from "./chart";

/** The colour legend per (domain top, label): the same ramp is reused while the top stays. */
const legends = new Map<string, Element>();

/** A round number at or above `v` (1, 2, 5 × a power of ten), so the legend rarely changes. */
export function niceTop(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Longest row label drawn, characters (names are cut with "…" beyond it). */
function maxLabel(width: number): number {
  return width < 420 ? 14 : 28;
}

/** See the module comment. */
export const renderHeat: Renderer = (c, d, ctx) => {
  const s = d.series[c.data];
  if (!s || s.x.length === 0) return null;
  const labels = s.labels ?? s.keys;
  const cut = maxLabel(ctx.width);
  const short = labels.map((l) => (l.length > cut ? `${l.slice(0, cut - 1)}…` : l));
  const n = s.x.length;
  const rows = Array.from({ length: n }, (_, i) => ({ x0: s.x0[i], x1: s.x1[i], y: short[s.k[i]], v: s.y[i], open: s.partial[i] === 1, key: s.k[i] }));
  const closed = rows.filter((r) => !r.open);
  const open = rows.filter((r) => r.open);
  const right = Math.max(ctx.domain[1], ...open.map((r) => r.x1));
  const longest = Math.max(...short.map((l) => l.length));
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, s.y[i]);
  top = niceTop(top);
  const color = { type: "sqrt" as const, scheme: "blues" as const, domain: [0, top], label: c.y.label };
  // Drawing the ramp (a canvas) is a good part of a draw: it is made once per domain top.
  const key = `${top}:${c.y.label}`;
  let legend = legends.get(key);
  if (!legend) {
    if (legends.size > 32) legends.clear();
    legend = Plot.legend({ color, ticks: 4, tickFormat: "~s" }) as Element;
    legends.set(key, legend);
  }
  const fig = Plot.plot({
    width: ctx.width,
    height: ctx.height + 20,
    marginLeft: Math.min(Math.round(ctx.width * 0.4), 12 + longest * 6.2),
    marginBottom: 50,
    x: { ...timeAxis(ctx), domain: [ctx.domain[0], right] },
    y: { label: null, domain: short },
    color,
    marks: [
      Plot.rectX(closed, { x1: "x0", x2: "x1", y: "y", fill: "v", inset: 0.5, clip: true }),
      Plot.rectX(open, { x1: "x0", x2: "x1", y: "y", fill: "v", fillOpacity: 0.45, stroke: "#52606d", strokeDasharray: "2,2", strokeWidth: 0.8, inset: 1, clip: true }),
    ],
  });
  const figure = document.createElement("div");
  figure.append(legend.cloneNode(true), fig);
  const svg = svgOf(figure);
  const sx = fig.scale("x")!;
  const sy = fig.scale("y")!;
  const band = sy.bandwidth ?? 10;
  return {
    figure,
    hit(px, py) {
      if (!svg || !sx.invert) return null;
      const t = sx.invert(px) as number | Date;
      const tm = typeof t === "number" ? t : t.getTime();
      for (const r of rows) {
        const y0 = sy.apply(r.y) as number;
        if (tm >= r.x0 && tm < r.x1 && py >= y0 && py <= y0 + band) {
          return {
            x: ((sx.apply(r.x0) as number) + (sx.apply(r.x1) as number)) / 2,
            y: y0 + band / 2,
            title: labels[r.key],
            rows: [
              [c.window ?? "window", windowLabel(ctx.time, r.x0, r.x1)],
              [c.y.label, formatValue(r.v, c.y.format)],
            ],
            note: r.open ? openNote(r.x0, r.x1, d.health.latestEventTime) : "closed window: final",
          };
        }
      }
      return null;
    },
  };
};
