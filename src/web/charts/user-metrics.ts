/**
 * Chart declarations of the user-defined metrics a gateway runs, made from their shared specs
 * (src/web/shared/user-charts.ts) — data like the built-in ones in index.ts: a lines chart of the
 * first aggregate per top group, or a table of the latest rows.
 */
import type { UserChartSpec } from "../shared/user-charts";
import type { ChartDeclaration, ValueFormat } from "./chart";

function valueFormat(f: UserChartSpec["value"]["format"]): ValueFormat {
  return f === "money" ? "money" : f === "count" ? "count" : "number";
}

/** The chart of one user metric. */
export function userChart(spec: UserChartSpec): ChartDeclaration {
  const label = spec.value.format === "money" ? `${spec.value.name} ($)` : spec.value.name;
  const base = { id: spec.id, title: spec.title, caption: spec.caption, empty: spec.empty, data: spec.id, metrics: [spec.metric], window: spec.window, y: { label, format: valueFormat(spec.value.format) } };
  if (spec.kind === "table") {
    return { ...base, kind: "table", table: spec.columns.map((c) => ({ name: c.name, format: c.format === "text" || c.format === "bool" ? c.format : valueFormat(c.format), cents: c.cents })) };
  }
  return {
    ...base,
    kind: "lines",
    color: spec.category ? "category" : "series",
    // A tumbling window's partial value is drawn from its start (dashed, hollow) at the newest event
    // time: a user's window may be longer than the range shown. A sliding one waits for half its
    // span, as category revenue does, and stays at its end (several are open at once).
    ...(spec.stepMs < spec.sizeMs ? { openMinSeen: 0.5 } : { openMinSeen: 0, openAtNewest: true }),
  };
}
