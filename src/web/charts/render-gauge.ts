/** An area gauge over event time (open sessions), with the newest value written at the right. */
import * as Plot from "@observablehq/plot";
import { formatValue, nearest, type Renderer, svgOf, tickFormat, timeAxis } from "./chart";

/** See the module comment. */
export const renderGauge: Renderer = (c, d, ctx) => {
  const s = d.sessions;
  if (s.x.length === 0 || d.health.eventsTotal === 0) return null;
  const n = s.x.length;
  const last = s.y[n - 1];
  const fig = Plot.plot({
    width: ctx.width,
    height: ctx.height,
    marginLeft: 56,
    marginBottom: 50,
    x: timeAxis(ctx),
    y: { label: c.y.label, grid: true, zero: true, tickFormat: tickFormat(c.y.format) },
    marks: [
      Plot.areaY({ length: n }, { x: s.x, y: s.y, fill: "#4e79a7", fillOpacity: 0.18, clip: true }),
      Plot.lineY({ length: n }, { x: s.x, y: s.y, stroke: "#4e79a7", clip: true }),
      Plot.text([last], { frameAnchor: "top-right", text: (v: number) => `${formatValue(v, "count")} open`, dy: 4, dx: -4 }),
    ],
  });
  const svg = svgOf(fig);
  const sx = fig.scale("x")!;
  const sy = fig.scale("y")!;
  return {
    figure: fig,
    hit(px) {
      if (!svg) return null;
      // Nearest sample in x alone: a gauge is read at a time.
      const i = nearest(n, px, 0, (j) => [sx.apply(s.x[j]) as number, 0], 40);
      if (i < 0) return null;
      return {
        x: sx.apply(s.x[i]) as number,
        y: sy.apply(s.y[i]) as number,
        title: ctx.time.full(s.x[i]),
        rows: [[c.y.label, formatValue(s.y[i], c.y.format)]],
        note: "sampled as event time advances",
      };
    },
  };
};
