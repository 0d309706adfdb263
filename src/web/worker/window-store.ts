/**
 * Final rows of one windowed metric, grouped by window start, keeping only the newest windows:
 * the charts' history of closed windows (open ones come from the pipeline's peek) and what the
 * console's debug handle returns for comparisons with the headless runner.
 */
import type { OutputRow } from "../../core/pipeline/rows";

/** See the module comment. */
export class WindowStore {
  private readonly byStart = new Map<number, OutputRow[]>();

  /** @param keep how many of the newest window starts are kept */
  constructor(private readonly keep: number) {}

  /** Adds a final row (it must have `window_start`). */
  add(row: OutputRow): void {
    const s = row.window_start!;
    let rows = this.byStart.get(s);
    if (!rows) {
      rows = [];
      this.byStart.set(s, rows);
      if (this.byStart.size > this.keep) this.evict();
    }
    rows.push(row);
  }

  private evict(): void {
    const starts = [...this.byStart.keys()].sort((a, b) => a - b);
    for (let i = 0; i < starts.length - this.keep; i++) this.byStart.delete(starts[i]);
  }

  /** Window starts held, ascending. */
  starts(): number[] {
    return [...this.byStart.keys()].sort((a, b) => a - b);
  }

  /** Final rows of the window starting at `start` (empty when unknown). */
  rows(start: number): OutputRow[] {
    return this.byStart.get(start) ?? [];
  }

  /** Every row held, windows ascending. */
  all(): OutputRow[] {
    return this.starts().flatMap((s) => this.byStart.get(s)!);
  }
}
