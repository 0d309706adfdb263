/**
 * Open sessions (SPEC sessions: a user's events with gaps under 30 minutes) sampled at every
 * update. The x axis is wall clock: it is a live gauge of the session operator's state, not a
 * windowed result.
 */
import * as Plot from "@observablehq/plot";
import { CHART_HEIGHT, type ChartModule } from "./chart";

/** See the module comment. */
export const activeSessionsChart: ChartModule = {
  id: "active-sessions",
  title: "Active sessions",
  caption: "sessions open in the session operator (gap 30 min), last two minutes of wall clock",
  empty: "No sessions yet.",
  render(d, width) {
    const s = d.sessions;
    if (s.x.length === 0 || d.health.eventsTotal === 0) return null;
    const last = s.y[s.y.length - 1];
    return Plot.plot({
      width,
      height: CHART_HEIGHT,
      marginLeft: 50,
      x: { type: "utc", label: null },
      y: { label: null, grid: true, zero: true, tickFormat: "~s" },
      marks: [
        Plot.areaY({ length: s.x.length }, { x: s.x, y: s.y, fill: "#4e79a7", fillOpacity: 0.2 }),
        Plot.lineY({ length: s.x.length }, { x: s.x, y: s.y, stroke: "#4e79a7" }),
        Plot.text([last], { frameAnchor: "top-right", text: (v: number) => `${v.toLocaleString()} open`, dy: 4, dx: -4 }),
      ],
    });
  },
};
