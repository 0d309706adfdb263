/**
 * A table of a metric's latest rows (user metrics whose rows make no series: session windows),
 * newest first: the window (or session) bounds in the time base, then the row's columns; open
 * rows are marked and faded like open windows in the charts. Each row's title holds its whole
 * text, so a narrow screen that wraps it loses nothing. Built with textContent only.
 */
import { centsToCurrency } from "../../core/metrics/declaration";
import { type ChartDeclaration, formatValue, type Renderer, windowLabel } from "./chart";

type Column = NonNullable<ChartDeclaration["table"]>[number];

function cell(v: string | number | boolean | null, c: Column): string {
  if (v === null) return "–";
  if (c.format === "text") return String(v);
  if (c.format === "bool") return v ? "true" : "false";
  const n = v as number;
  return formatValue(c.cents ? centsToCurrency(n) : n, c.format);
}

function td(text: string, label: string, cls?: string): HTMLTableCellElement {
  const e = document.createElement("td");
  e.textContent = text;
  e.dataset.label = label;
  if (cls) e.className = cls;
  return e;
}

/** See the module comment. */
export const renderTable: Renderer = (c, d, ctx) => {
  const t = d.tables[c.data];
  if (!t || t.rows.length === 0 || !c.table) return null;
  const wrap = document.createElement("div");
  wrap.className = "row-table";
  const table = document.createElement("table");
  const head = document.createElement("tr");
  for (const name of [c.window ?? "window", ...c.table.map((col) => col.name)]) {
    const th = document.createElement("th");
    th.textContent = name;
    head.append(th);
  }
  const thead = document.createElement("thead");
  thead.append(head);
  const body = document.createElement("tbody");
  t.rows.forEach((row, i) => {
    const tr = document.createElement("tr");
    const when = windowLabel(ctx.time, t.x0[i], t.x1[i]);
    tr.append(td(t.open[i] ? `${when} (open)` : when, c.window ?? "window", "when"));
    c.table!.forEach((col, k) => tr.append(td(cell(row[k], col), col.name)));
    if (t.open[i]) tr.dataset.open = "true";
    tr.title = [...tr.children].map((e) => `${(e as HTMLElement).dataset.label}: ${e.textContent}`).join("\n");
    body.append(tr);
  });
  table.append(thead, body);
  wrap.append(table);
  return { figure: wrap, hit: () => null };
};
