/**
 * Lines per key over window ends: closed (final) windows as solid lines, open windows as a
 * separate dashed, faded line with hollow dots that is never joined to the finished one, so a
 * window still filling up cannot pass for a crash; an open window shows once half of its span
 * (or the chart's `openMinSeen` share) has been seen. Ratios wait for a minimum denominator while
 * their window is open, and their tooltip shows numerator and denominator.
 */
import * as Plot from "@observablehq/plot";
import { categoryColor, SERIES_COLORS } from "./colors";
import { formatValue, openNote, pointHitter, type Renderer, tickFormat, timeAxis, windowLabel } from "./chart";

interface Pt {
  x: number;
  y: number;
  x0: number;
  x1: number;
  key: string;
  open: boolean;
  num: number;
  den: number;
}

/** See the module comment. */
export const renderLines: Renderer = (c, d, ctx) => {
  const s = d.series[c.data];
  if (!s || s.x.length === 0) return null;
  const newest = d.health.latestEventTime;
  const minDen = c.ratio?.minDenominator ?? 0;
  const minSeen = c.openMinSeen ?? 0.5;
  const pts: Pt[] = [];
  for (let i = 0; i < s.x.length; i++) {
    const open = s.partial[i] === 1;
    const den = s.den ? s.den[i] : NaN;
    // An open window is drawn once half its span (and horizon) has been seen (`openMinSeen`): a sliding window
    // that began a moment ago holds almost nothing yet and would read as a collapse.
    const end = s.x1[i] + (c.horizonMs?.[s.keys[s.k[i]]] ?? 0);
    if (open && Math.min(newest, end) - s.x0[i] < (end - s.x0[i]) * minSeen) continue;
    if (open && minDen > 0 && !(den >= minDen)) continue;
    const x = open && c.openAtNewest ? Math.max(s.x0[i], Math.min(s.x[i], newest)) : s.x[i];
    pts.push({ x, y: s.y[i], x0: s.x0[i], x1: s.x1[i], key: s.keys[s.k[i]], open, num: s.num ? s.num[i] : NaN, den });
  }
  if (pts.length === 0) return null;
  const keys = [...s.keys].sort();
  const colorOf = (k: string) => (c.color === "category" ? categoryColor(k) : SERIES_COLORS[s.keys.indexOf(k) % SERIES_COLORS.length]);
  const closed = pts.filter((p) => !p.open);
  const open = pts.filter((p) => p.open);

  const right = Math.max(ctx.domain[1], ...open.map((p) => p.x));
  const fig = Plot.plot({
    width: ctx.width,
    height: ctx.height,
    marginLeft: 56,
    marginBottom: 50,
    x: { ...timeAxis(ctx), domain: [ctx.domain[0], right] },
    y: { label: c.y.label, grid: true, zero: true, tickFormat: tickFormat(c.y.format) },
    color: { legend: true, domain: keys, range: keys.map(colorOf) },
    marks: [
      Plot.lineY(closed, { x: "x", y: "y", z: "key", stroke: "key", strokeWidth: 1.8, clip: true }),
      // Points on finished lines only while few: each is an SVG node per redraw (the tooltip finds points without them).
      ...(closed.length <= 60 ? [Plot.dot(closed, { x: "x", y: "y", fill: "key", r: 2, clip: true })] : []),
      Plot.lineY(open, { x: "x", y: "y", z: "key", stroke: "key", strokeDasharray: "4,3", strokeOpacity: 0.55, clip: true }),
      Plot.dot(open, { x: "x", y: "y", stroke: "key", fill: "white", r: 3, strokeOpacity: 0.8, clip: true }),
    ],
  });
  const find = pointHitter(fig, pts.length, (j) => pts[j].x, (j) => pts[j].y, 28);
  return {
    figure: fig,
    hit(px, py) {
      const h = find(px, py);
      if (!h) return null;
      const p = pts[h.i];
      const rows: [string, string][] = [
        [c.window ?? "window", windowLabel(ctx.time, p.x0, p.x1)],
        [c.y.label, formatValue(p.y, c.y.format)],
      ];
      const terms = c.ratio?.terms[p.key];
      if (terms && Number.isFinite(p.den)) rows.push([terms[0], `${formatValue(p.num, "count")} of ${formatValue(p.den, "count")} ${terms[1]}`]);
      return {
        x: h.x,
        y: h.y,
        title: p.key,
        color: colorOf(p.key),
        rows,
        note: p.open ? openNote(p.x0, p.x1 + (c.horizonMs?.[p.key] ?? 0), newest) : "closed window: final",
      };
    },
  };
};
