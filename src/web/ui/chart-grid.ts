/**
 * The chart grid: two columns on wide screens, one on narrow ones. Wide charts take a whole
 * row, and so does a chart that would otherwise sit alone in its row, so the grid never shows
 * an empty cell whatever the number of charts.
 */
import type { ChartDeclaration } from "../charts/chart";

/** Which charts take a whole row in a grid of `columns` columns (2 or 1). */
export function fullRows(charts: Pick<ChartDeclaration, "wide">[], columns = 2): boolean[] {
  const out = charts.map((c) => columns === 1 || c.wide === true);
  if (columns === 1) return out;
  let run: number[] = [];
  const close = () => {
    // An odd run of normal charts leaves one alone in the last row: it takes the whole row.
    if (run.length % 2 === 1) out[run[run.length - 1]] = true;
    run = [];
  };
  charts.forEach((c, i) => {
    if (c.wide) close();
    else run.push(i);
  });
  close();
  return out;
}

/** Puts the panels' roots into `root`, marking the full-row ones (`.span-all`). */
export function layoutGrid(root: HTMLElement, panels: { root: HTMLElement; chart: ChartDeclaration }[]): void {
  const full = fullRows(panels.map((p) => p.chart));
  panels.forEach((p, i) => p.root.classList.toggle("span-all", full[i]));
  root.replaceChildren(...panels.map((p) => p.root));
}
