/**
 * The console sink, like Spark's in update mode: at each trigger, the rows that changed since the
 * previous trigger (partial rows of open windows, and final rows, which replace a partial row of
 * the same window and key). Unlike Spark's full tables, a trigger prints one compact block: only
 * metrics with changed rows, each as its top N rows by its main value (console-view.ts), with
 * readable numbers and times in the local zone, so a terminal can follow a live stream.
 */
import { MetricRegistry } from "../../core/metrics/registry";
import type { Epoch, OutputRow, Sink } from "../io/types";
import { styles, wantsColor } from "../term/ansi";
import { formatInt, TimeZone } from "../term/format";
import { renderMetric } from "./console-view";

/** Where the sink writes (process.stdout by default). */
export interface TextOut {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Options of {@link ConsoleSink}. */
export interface ConsoleSinkOptions {
  out?: TextOut;
  /** A status line to end each block with; none when absent or when it gives undefined. */
  status?: () => string | undefined;
  /** Rows shown per metric, by its main value (default 10; 0 shows every changed row). */
  top?: number;
  /** Zone of the times shown (default: the machine's, which honours TZ). */
  zone?: TimeZone;
  /** Wall clock (injectable for tests). */
  now?: () => number;
  /** ANSI styling (default: when `out` is a terminal that wants colour; never for a pipe or file). */
  color?: boolean;
  /** The run's metrics (default: the SPEC metrics). */
  registry?: MetricRegistry;
}

/** Identity of a row: metric, window and key fields. */
function rowId(registry: MetricRegistry, row: OutputRow): string {
  const keys = registry.has(row.metric) ? registry.get(row.metric).key : [];
  return JSON.stringify([row.metric, row.window_start ?? null, row.window_end ?? null, ...keys.map((k) => row[k] ?? null)]);
}

/**
 * Prints changed rows at each trigger; keeps nothing durable (no recover/finish).
 *
 * The runner calls `updates` once per trigger with every open window's current row; that call
 * prints the block: the rows whose values differ from what was last shown, plus the final rows
 * that checkpoints delivered through `prepare` since the previous trigger. `close` prints final
 * rows not shown yet. A trigger with nothing new prints only the status line, if any.
 */
export class ConsoleSink implements Sink {
  readonly name = "console";
  private readonly out: TextOut;
  private readonly top: number;
  private readonly zone: TimeZone;
  private readonly now: () => number;
  private readonly color: boolean;
  private readonly registry: MetricRegistry;
  /** Rows to show in the next block, by identity. */
  private changed = new Map<string, { row: OutputRow; final: boolean }>();
  /** What was last shown of each open window's row, to skip unchanged ones. */
  private readonly shown = new Map<string, string>();
  private side = { dlq: 0, late: 0 };
  private trigger = 0;

  constructor(private readonly options: ConsoleSinkOptions = {}) {
    this.out = options.out ?? process.stdout;
    this.top = options.top ?? 10;
    this.zone = options.zone ?? new TimeZone();
    this.now = options.now ?? Date.now;
    this.color = options.color ?? wantsColor(this.out);
    this.registry = options.registry ?? MetricRegistry.builtin();
  }

  async open(): Promise<void> {}

  /** A trigger: records the partial rows that changed and prints the block. */
  updates(rows: OutputRow[]): void {
    for (const r of rows) {
      const id = rowId(this.registry, r);
      if (this.changed.get(id)?.final) continue; // closed in this block: its final row wins
      if (this.shown.get(id) !== JSON.stringify(r)) this.changed.set(id, { row: r, final: false });
    }
    this.print();
  }

  /** Collects the epoch's final rows and side-output counts for the next block. */
  async prepare(epoch: Epoch): Promise<undefined> {
    for (const r of epoch.rows) this.changed.set(rowId(this.registry, r), { row: r, final: true });
    this.side.dlq += epoch.dlq.length;
    this.side.late += epoch.late.length;
    return undefined;
  }

  async close(): Promise<void> {
    if (this.changed.size > 0 || this.side.dlq + this.side.late > 0) this.print();
  }

  /** Prints the pending block and starts the next one. */
  print(): void {
    const text = this.render();
    if (text) this.out.write(text);
    for (const [id, { row, final }] of this.changed) {
      // A closed window never changes again: forget it so memory follows the open windows.
      if (final) this.shown.delete(id);
      else this.shown.set(id, JSON.stringify(row));
    }
    this.changed = new Map();
    this.side = { dlq: 0, late: 0 };
    this.trigger++;
  }

  /** The text of the pending block (what `print` writes; empty when there is nothing to say). */
  render(): string {
    const style = styles(this.color);
    const now = this.now();
    const byMetric = new Map<string, { rows: OutputRow[]; finals: number }>();
    for (const { row, final } of this.changed.values()) {
      let m = byMetric.get(row.metric);
      if (!m) byMetric.set(row.metric, (m = { rows: [], finals: 0 }));
      m.rows.push(row);
      if (final) m.finals++;
    }
    let text = "";
    for (const decl of this.registry.metrics) {
      const m = byMetric.get(decl.name);
      if (m) text += renderMetric(decl, m.rows, m.finals, { zone: this.zone, now, top: this.top, style });
    }
    if (this.side.dlq || this.side.late) {
      text += style.dim(`side outputs since the last trigger: ${formatInt(this.side.dlq)} invalid (DLQ), ${formatInt(this.side.late)} late`) + "\n";
    }
    if (text) {
      const title = `── trigger ${this.trigger} · ${this.zone.clockTime(now)} ${this.zone.name(now)} `;
      text = style.bold(title.padEnd(60, "─")) + "\n" + text;
    }
    const status = this.options.status?.();
    if (status) text += status + "\n";
    return text ? text + "\n" : "";
  }
}
