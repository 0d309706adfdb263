/**
 * The console sink, like Spark's in update mode: at each trigger a `Batch: N` block with, per
 * metric, a table of the rows that changed since the previous trigger (partial rows of open
 * windows, and final rows, which replace a partial row of the same window and key), followed by
 * a status block. Spark's console sink prints one query per block; eddy runs all metrics in one
 * query, so each table is titled with its metric.
 */
import { METRIC_FIELDS, METRIC_KEYS, METRIC_NAMES, type MetricName } from "../../core/metrics/schema";
import type { Epoch, OutputRow, Sink } from "../io/types";
import { formatCell, formatTimestamp, renderTable } from "./console-table";

/** Live numbers for the status block, provided by the runner at each trigger. */
export interface ConsoleStatus {
  /** Input records per second over the last trigger interval. */
  eventsPerSecond: number;
  /** Consumer lag per `topic:partition` ({} when unknown). */
  lag: Record<string, number>;
  /** Pipeline watermark, epoch ms; null before any event, +Infinity at the end of bounded input. */
  watermark: number | null;
  /** Anomalies flagged so far. */
  anomalies: number;
  /** Sessions currently open. */
  openSessions: number;
  /** Totals so far, when known. */
  eventsIn?: number;
  invalid?: number;
  late?: number;
}

/** Where the sink writes (process.stdout by default). */
export interface TextOut {
  write(text: string): unknown;
}

/** Options of {@link ConsoleSink}. */
export interface ConsoleSinkOptions {
  out?: TextOut;
  /** Called at each trigger for the status block; none printed when absent or undefined. */
  status?: () => ConsoleStatus | undefined;
  /** Rows shown per table (Spark's `numRows`, default 20). */
  numRows?: number;
  /** Cell width cap (Spark's `truncate`, default 20; 0 shows cells whole). */
  truncate?: number;
}

/** Identity of a row: metric, window and key fields. */
function rowId(row: OutputRow): string {
  const keys = METRIC_KEYS[row.metric as MetricName] ?? [];
  return JSON.stringify([row.metric, row.window_start ?? null, row.window_end ?? null, ...keys.map((k) => row[k] ?? null)]);
}

function formatLag(lag: Record<string, number>): string {
  const entries = Object.entries(lag).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return "unknown";
  const total = entries.reduce((s, [, n]) => s + n, 0);
  const shown = entries.slice(0, 6).map(([k, n]) => `${k}=${n}`);
  const more = entries.length > 6 ? `, +${entries.length - 6} more` : "";
  return `${total} (${shown.join(", ")}${more})`;
}

/** Renders the status block. */
export function renderStatus(s: ConsoleStatus): string {
  const wm = s.watermark === null ? "none" : s.watermark === Infinity ? "+inf (end of input)" : formatTimestamp(s.watermark);
  const parts = [
    `events/s: ${Math.round(s.eventsPerSecond).toLocaleString("en-US")}`,
    `lag: ${formatLag(s.lag)}`,
    `watermark: ${wm}`,
    `open sessions: ${s.openSessions}`,
    `anomalies: ${s.anomalies}`,
  ];
  if (s.eventsIn !== undefined) parts.push(`events in: ${s.eventsIn}`);
  if (s.invalid !== undefined) parts.push(`invalid: ${s.invalid}`);
  if (s.late !== undefined) parts.push(`late: ${s.late}`);
  return `Status: ${parts.join(" | ")}\n`;
}

/**
 * Prints changed rows and status at each trigger; keeps nothing durable (no recover/finish).
 *
 * The runner calls `updates` once per trigger with every open window's current row; that call
 * prints the batch: the rows whose values differ from what was last shown, plus the final rows
 * that checkpoints delivered through `prepare` since the previous batch. `close` prints final
 * rows not shown yet, so nothing emitted is missing from the console.
 */
export class ConsoleSink implements Sink {
  readonly name = "console";
  private readonly out: TextOut;
  private readonly numRows: number;
  private readonly truncate: number;
  /** Rows to show in the next batch, by identity. */
  private changed = new Map<string, { row: OutputRow; final: boolean }>();
  /** What was last shown of each open window's row, to skip unchanged ones. */
  private readonly shown = new Map<string, string>();
  private side = { dlq: 0, late: 0 };
  private batch = 0;

  constructor(private readonly options: ConsoleSinkOptions = {}) {
    this.out = options.out ?? process.stdout;
    this.numRows = options.numRows ?? 20;
    this.truncate = options.truncate ?? 20;
  }

  async open(): Promise<void> {}

  /** A trigger: records the partial rows that changed and prints the batch. */
  updates(rows: OutputRow[]): void {
    for (const r of rows) {
      const id = rowId(r);
      if (this.changed.get(id)?.final) continue; // closed in this batch: its final row wins
      if (this.shown.get(id) !== JSON.stringify(r)) this.changed.set(id, { row: r, final: false });
    }
    this.print();
  }

  /** Collects the epoch's final rows and side-output counts for the next batch. */
  async prepare(epoch: Epoch): Promise<undefined> {
    for (const r of epoch.rows) this.changed.set(rowId(r), { row: r, final: true });
    this.side.dlq += epoch.dlq.length;
    this.side.late += epoch.late.length;
    return undefined;
  }

  async close(): Promise<void> {
    if (this.changed.size > 0 || this.side.dlq + this.side.late > 0) this.print();
  }

  /** Prints the pending batch and starts the next one. */
  print(): void {
    this.out.write(this.render());
    for (const [id, { row, final }] of this.changed) {
      // A closed window never changes again: forget it so memory follows the open windows.
      if (final) this.shown.delete(id);
      else this.shown.set(id, JSON.stringify(row));
    }
    this.changed = new Map();
    this.side = { dlq: 0, late: 0 };
    this.batch++;
  }

  /** The text of the pending batch (what `print` writes). */
  render(): string {
    let text = `-------------------------------------------\nBatch: ${this.batch}\n-------------------------------------------\n`;
    const byMetric = new Map<string, OutputRow[]>();
    for (const { row } of this.changed.values()) {
      let list = byMetric.get(row.metric);
      if (!list) byMetric.set(row.metric, (list = []));
      list.push(row);
    }
    if (byMetric.size === 0) text += "(no rows changed)\n";
    for (const metric of METRIC_NAMES) {
      const rows = byMetric.get(metric);
      if (rows) text += this.table(metric, rows);
    }
    if (this.side.dlq || this.side.late) {
      text += `Side outputs since the last batch: ${this.side.dlq} invalid (DLQ), ${this.side.late} late\n`;
    }
    const status = this.options.status?.();
    if (status) text += renderStatus(status);
    return text + "\n";
  }

  private table(metric: MetricName, rows: OutputRow[]): string {
    const fields = METRIC_FIELDS[metric];
    const keys = METRIC_KEYS[metric];
    const sorted = [...rows].sort(
      (a, b) =>
        ((a.window_start ?? 0) as number) - ((b.window_start ?? 0) as number) ||
        keys.map((k) => String(a[k])).join("\u0000").localeCompare(keys.map((k) => String(b[k])).join("\u0000")),
    );
    const shown = sorted.slice(0, this.numRows);
    const cells = shown.map((r) => fields.map((f) => formatCell(f.type, r[f.name])));
    let text = `${metric}:\n${renderTable(fields.map((f) => f.name), cells, this.truncate, fields.map((f) => f.type === "timestamp"))}`;
    if (sorted.length > shown.length) text += `only showing top ${shown.length} rows\n`;
    return text;
  }
}
